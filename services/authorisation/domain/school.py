"""Per-school records: the staff register and the policy pack assigned. Pure."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from services.authorisation.domain import Meta


class StaffRegister(Aggregate):
    """A school's staff who visit or decide: names, job titles and mobiles (sealed, each under
    the person's own key), roles, and drivers' documents with expiry dates."""

    @staticmethod
    def create_id(school_urn: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:staff-register:{school_urn}")

    @event("Opened")
    def __init__(self, school_urn: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.members: dict[str, dict[str, Any]] = {}

    @event("MemberRecorded")
    def record_member(self, staff_id: str, roles: list[str], documents: dict[str, str],
                      meta: Meta) -> None:
        self.members[staff_id] = {"staff_id": staff_id, "roles": roles, "documents": documents}

    @event("PersonRecorded")
    def record_person(self, staff_id: str, roles: list[str], documents: dict[str, str],
                      name: str | None, job_title: str | None, mobile: str | None,
                      meta: Meta) -> None:
        """A member as they are now, whole; `MemberRecorded` (no name) is how older ones read."""
        self.members[staff_id] = {"staff_id": staff_id, "roles": roles, "documents": documents,
                                  "name": name, "job_title": job_title, "mobile": mobile}

    @event("MemberRemoved")
    def remove_member(self, staff_id: str, meta: Meta) -> None:
        self.members.pop(staff_id, None)

    def documents_of(self, staff_id: str) -> dict[str, date]:
        member = self.members.get(staff_id) or {}
        return {name: date.fromisoformat(value)
                for name, value in (member.get("documents") or {}).items()}


class SchoolPolicy(Aggregate):
    """Which policy pack a school follows, with the school's own overrides."""

    @staticmethod
    def create_id(school_urn: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:school-policy:{school_urn}")

    @event("Opened")
    def __init__(self, school_urn: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.pack: str | None = None
        self.overrides: dict[str, Any] = {}
        self.adoptions: list[dict[str, Any]] = []

    @event("PackAssigned")
    def assign(self, pack: str, overrides: dict[str, Any], meta: Meta) -> None:
        self.pack = pack
        self.overrides = overrides

    @event("VersionAdopted")
    def adopt(self, pack: str, version: int, from_date: str, adopted_by: str, meta: Meta
              ) -> None:
        """From `from_date`, the school decides under this version of its pack."""
        self.adoptions.append({"pack": pack, "version": version, "from_date": from_date,
                               "adopted_by": adopted_by})

    def version_on(self, day: date) -> int | None:
        """The version of the assigned pack adopted for `day`, or None: its first version."""
        found = [a for a in self.adoptions
                 if a["pack"] == self.pack and date.fromisoformat(a["from_date"]) <= day]
        latest = max(found, key=lambda a: a["from_date"], default=None)  # the last of a day wins
        return int(latest["version"]) if latest else None


# Events stored before the layout move name this module `services.authorisation.school`.
register_topic("services.authorisation.school", sys.modules[__name__])
