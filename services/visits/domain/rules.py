"""The conditions an authorisation sets, enforced at sign-out. Pure: no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any


@dataclass(frozen=True)
class Broken:
    rule: str
    message: str


@dataclass(frozen=True)
class SignOutFacts:
    staff_ids: list[str]
    drivers: list[str]
    day: date
    leave_at: time
    back_by: time
    check_in_interval_minutes: int


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
    visit_date = conditions.get("visit_date")
    if visit_date and date.fromisoformat(str(visit_date)) != facts.day:
        broken.append(Broken("VisitOnTheAuthorisedDay",
                             f"authorised for {visit_date}, not {facts.day.isoformat()}"))
    earliest, latest = conditions.get("earliest_start"), conditions.get("latest_end")
    if earliest and facts.leave_at < time.fromisoformat(earliest):
        broken.append(Broken("VisitWithinAuthorisedHours",
                             f"the visit may not start before {earliest}"))
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
