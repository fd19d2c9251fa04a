"""The school's clock on the pages: the zone of its policy pack, by which a visit's day is read."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from fastapi import Request

from services.web.api.pages import backend
from services.web.session import Session

KEEP_SECONDS = 300.0  # a school's zone changes only when trust IT assigns it another pack
LEAD = timedelta(minutes=30)


async def school_zone(request: Request, session: Session, urn: str) -> ZoneInfo:
    """The school's policy pack's zone (asked of authorisation, kept a few minutes); the
    deployment's if authorisation cannot say. For asking for a visit, not for its steps: a
    visit's own page reads the zone from its authorisation's conditions."""
    known: dict[str, tuple[ZoneInfo, float]] = getattr(request.app.state, "school_zones", {})
    request.app.state.school_zones = known
    found = known.get(urn)
    if found and found[1] > monotonic():
        return found[0]
    try:
        answer = await backend(request).call(session, "GET", "authorisation",
                                             f"/v1/schools/{urn}/policy")
    except httpx.HTTPError:
        return deployment_zone(request)
    body = answer.body if answer.ok and isinstance(answer.body, dict) else {}
    zone = zone_named((body.get("effective") or {}).get("timezone"))
    if zone is None:
        return deployment_zone(request)
    known[urn] = (zone, monotonic() + KEEP_SECONDS)
    return zone


def deployment_zone(request: Request) -> ZoneInfo:
    return zone_named(request.app.state.web_settings.timezone) or ZoneInfo("Europe/London")


def zone_named(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return None


def default_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The new-visit page's suggested start: in half an hour, on today's date at the school. A
    suggestion never moves the visit to tomorrow (at 23:53 it is 23:59, not 00:23): the visit's
    day is the date on the form, and the person asking chose today unless they change it."""
    start = (now + LEAD).astimezone(zone).replace(second=0, microsecond=0)
    last = datetime.combine(now.astimezone(zone).date(), time(23, 59), zone)
    return min(start, last)


def local(value: Any, zone: ZoneInfo) -> datetime | None:
    """A `datetime-local` field, read on the school's clock."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def field(moment: datetime | None, zone: ZoneInfo) -> str:
    """For a `datetime-local` field: the school's local time, to the minute."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""
