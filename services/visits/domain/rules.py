"""The conditions an authorisation sets, enforced at sign-out. Pure: no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

# How long before its authorised start a visit's staff may set off (sign out): time to get
# there, not a day early.
JOURNEY = timedelta(hours=1)


@dataclass(frozen=True)
class Broken:
    rule: str
    message: str


@dataclass(frozen=True)
class SignOutFacts:
    """A sign-out on the school's clock: `left_at` and `starts_at` are aware, in the zone of
    the school's policy pack."""

    staff_ids: list[str]
    drivers: list[str]
    left_at: datetime
    back_by: time
    check_in_interval_minutes: int
    starts_at: datetime | None = None  # the visit's planned start

    @property
    def day(self) -> date:
        return self.left_at.date()

    @property
    def leave_at(self) -> time:
        return self.left_at.time()


def on_the_eve(authorised: date, facts: SignOutFacts) -> bool:
    """Signed out the evening before a visit authorised for just after midnight, on its way."""
    starts = facts.starts_at
    if starts is None or facts.day != authorised - timedelta(days=1):
        return False
    starts = starts.astimezone(facts.left_at.tzinfo)
    return starts.date() == authorised and timedelta(0) <= starts - facts.left_at <= JOURNEY


def visit_on_the_authorised_day(authorised: date, facts: SignOutFacts) -> Broken | None:
    """VisitOnTheAuthorisedDay. A visit is authorised for the day it happens and judged on that
    day's facts (drivers' documents valid on the day; school hours, or out of hours with a
    responsible contact for then), so it is signed out for on that day as the school's clock
    reads it, not the server's. A visit's day is the day of its planned start, not the day its
    staff leave school: staff who leave at 23:53 for a visit planned for 00:18 are going to the
    visit that was authorised, so a sign-out on the eve counts, up to JOURNEY before a planned
    start after midnight. Any other day needs a new request and decision."""
    if facts.day == authorised or on_the_eve(authorised, facts):
        return None
    return Broken("VisitOnTheAuthorisedDay",
                  f"authorised for {authorised.isoformat()}, not {facts.day.isoformat()}: sign "
                  f"out on the day of the visit (or up to {_minutes(JOURNEY)} minutes before a "
                  "visit that starts after midnight)")


def set_off_too_early(authorised: date, earliest: str, facts: SignOutFacts) -> Broken | None:
    """VisitWithinAuthorisedHours, at the start. The authorised hours (the school day, or an
    out-of-hours window a responsible contact covers) bound the visit; signing out is setting
    off for it, so staff may sign out up to JOURNEY before those hours begin, to be at the door
    on time, on the visit's day or on its eve."""
    opens = datetime.combine(authorised, time.fromisoformat(earliest), facts.left_at.tzinfo)
    if facts.left_at >= opens - JOURNEY:
        return None
    return Broken("VisitWithinAuthorisedHours",
                  f"the visit may not start before {earliest}: sign out at most "
                  f"{_minutes(JOURNEY)} minutes before")


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def sign_out_breaks(conditions: dict[str, Any], facts: SignOutFacts) -> list[Broken]:
    """Every authorised condition that this sign-out would break, each by name."""
    broken: list[Broken] = []
    staff = set(facts.staff_ids)
    min_staff = int(conditions.get("min_staff", 1))
    if len(staff) < min_staff:
        broken.append(Broken("MinimumStaffOnVisit",
                             f"this visit was authorised for at least {min_staff} staff; "
                             f"{len(staff)} signed out"))
    authorised_staff = set(conditions.get("staff_ids") or [])
    if authorised_staff and staff != authorised_staff:
        broken.append(Broken("StaffChangeNeedsNewDecision",
                             f"the authorised staff were {sorted(authorised_staff)}; signing out "
                             f"{sorted(staff)} needs a new authorisation decision"))
    authorised = date.fromisoformat(str(conditions["visit_date"])) if conditions.get(
        "visit_date") else None
    if authorised is not None and (wrong_day := visit_on_the_authorised_day(authorised, facts)):
        broken.append(wrong_day)
    earliest, latest = conditions.get("earliest_start"), conditions.get("latest_end")
    if earliest and (early := set_off_too_early(authorised or facts.day, earliest, facts)):
        broken.append(early)
    if latest and facts.back_by > time.fromisoformat(latest):
        broken.append(Broken("VisitWithinAuthorisedHours",
                             f"the visit must be over by {latest}; expected back {facts.back_by:%H:%M}"))
    if conditions.get("drivers_need_valid_documents", True):
        cleared = set(conditions.get("cleared_drivers") or [])
        for driver in sorted(set(facts.drivers) - cleared):
            broken.append(Broken("DriversDocumentsValidOnTheDay",
                                 f"{driver} is driving but has no licence, MOT and business "
                                 f"insurance on record as valid for the day"))
    interval = int(conditions.get("check_in_interval_minutes", 30))
    if facts.check_in_interval_minutes > interval:
        broken.append(Broken("CheckInIntervalAsAuthorised",
                             f"check-ins must be at most every {interval} minutes"))
    return broken
