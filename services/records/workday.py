"""The end of a school's working day, the deadline for sharing an incident report. Pure."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def share_by(reported_at: datetime, day_ends: time, zone: ZoneInfo) -> datetime:
    """The end of the working day the report falls in; after hours or at a weekend, the next."""
    local = reported_at.astimezone(zone)
    day = local.date()
    while True:
        end = datetime.combine(day, day_ends, tzinfo=zone)
        if day.weekday() < 5 and local <= end:
            return end
        day += timedelta(days=1)
