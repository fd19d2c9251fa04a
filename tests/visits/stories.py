"""Bodies a school would send, for today's visit to one household."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

URN = "123456"


def visit_request(staff: list[str], **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    today_at_school = now.astimezone(ZoneInfo("Europe/London")).date()
    body = {"household_id": "hh-0001", "pupil_ids": ["upn-A123"], "purpose": "welfare check",
            "reason_code": "welfare", "planned_date": today_at_school.isoformat(),
            "planned_start": now.isoformat(), "planned_end": (now + timedelta(hours=2)).isoformat(),
            "staff_ids": staff}
    body.update(changes)
    return body


def sign_out(staff: list[str], *, interval: int = 20, driver: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "staff": [{"staff_id": s, "mobile": "07700 900123", "driving": s == driver} for s in staff],
        "vehicle_registration": "AB12 CDE" if driver else None,
        "address": "1 Example Road, Kings Lynn", "expecting_to_see": "parent and pupil",
        "expected_arrival": (now + timedelta(minutes=20)).isoformat(),
        "expected_leave": (now + timedelta(minutes=80)).isoformat(),
        "expected_return": (now + timedelta(minutes=100)).isoformat(),
        "buddy_id": "office-0001", "buddy_phone": "01553 000000",
        "check_in_interval_minutes": interval, "duress_phrase": "the blue folder",
    }
