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

    @event("PackAssigned")
    def assign(self, pack: str, overrides: dict[str, Any], meta: Meta) -> None:
        self.pack = pack
        self.overrides = overrides


# Events stored before the layout move name this module `services.authorisation.school`.
register_topic("services.authorisation.school", sys.modules[__name__])
