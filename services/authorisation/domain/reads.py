"""Who opened a household's sealed details, one person at a time. Pure.

Each opening is the privacy record an auditor asks for ("who saw this family's address?"), so it
is kept whether or not the household has a history of its own yet; the same look again within a
quiet window (a page reloaded, the form drawn twice) is one opening, not another. Kept apart from
the `Household`, so that a year of reads never slows the household's own rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.authorisation.domain import Meta

QUIET = timedelta(minutes=5)


class DetailsReads(Aggregate):
    """One person's openings of one household's details."""

    @staticmethod
    def create_id(school_urn: str, household_id: str, reader: str) -> UUID:
        return uuid5(NAMESPACE_URL,
                     f"doorstep:authorisation:household-reads:{school_urn}:{household_id}:{reader}")

    @event("Started")
    def __init__(self, school_urn: str, household_id: str, reader: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.household_id = household_id
        self.reader = reader
        self.last: dict[str, str] = {}  # role and route -> when last recorded

    def read(self, role: str, fields: list[str], via: str, at: datetime, meta: Meta) -> bool:
        """OneReadRecordedPerQuietWindow: True if this opening is recorded; within `QUIET` of the
        last in the same role from the same place, it is the same look and records nothing."""
        last = self.last.get(f"{role}:{via}")
        if last is not None and timedelta(0) <= at - datetime.fromisoformat(last) < QUIET:
            return False
        self.note_read(self.household_id, self.reader, role, fields, via, at.isoformat(), meta)
        return True

    @event("DetailsRead")
    def note_read(self, household_id: str, read_by: str, role: str, fields: list[str], via: str,
                  at: str, meta: Meta) -> None:
        """Someone opened the household's sealed details: who, as what, which, from where."""
        self.last[f"{role}:{via}"] = at
