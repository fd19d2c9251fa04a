"""When a household's records fall due for destruction. Pure.

A household's visit records are kept for the school's period after its last visit. A household
whose visits raised a safeguarding concern holds child-protection records, kept until each
pupil's date of birth + 25 years: Doorstep does not hold dates of birth, so those are never
shredded by the retention run; the DSL erases them by a documented decision when they fall due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

CHILD_PROTECTION_HELD = ("held: child-protection record, kept to each pupil's date of birth + 25 "
                         "years; the DSL erases it by a documented decision when that passes")


@dataclass(frozen=True)
class HouseholdRecord:
    trust_id: str
    household_id: str
    school_urn: str
    last_entry: date
    child_protection: bool


@dataclass(frozen=True)
class Retention:
    record: HouseholdRecord
    keep_until: date | None  # None: held (see `held`)
    held: str | None = None

    def due(self, on: date) -> bool:
        return self.keep_until is not None and self.keep_until < on


def retention_of(record: HouseholdRecord, years: int) -> Retention:
    if record.child_protection:
        return Retention(record, None, CHILD_PROTECTION_HELD)
    last = record.last_entry
    try:
        until = last.replace(year=last.year + years)
    except ValueError:  # 29 February
        until = last.replace(year=last.year + years, day=28)
    return Retention(record, until)
