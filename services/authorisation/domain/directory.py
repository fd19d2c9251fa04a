"""A school in the deployment's directory: onboarded by trust IT, changed, archived. Pure."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.authorisation.domain import Meta
from shared.contracts.errors import Conflict


class School(Aggregate):
    """One school: the trust it belongs to, what it is called and how it runs."""

    @staticmethod
    def create_id(school_urn: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:school:{school_urn}")

    @event("Onboarded")
    def __init__(self, school_urn: str, trust_id: str, details: dict[str, Any], meta: Meta) -> None:
        self.school_urn = school_urn
        self.trust_id = trust_id
        self.details = dict(details)
        self.archived_because: str | None = None

    @property
    def archived(self) -> bool:
        return self.archived_because is not None

    def change(self, details: dict[str, Any], meta: Meta) -> bool:
        """The school's details now; False when nothing changed (a repeated request)."""
        self._still_open("changed")
        if details == self.details:
            return False
        self._changed(details, meta)
        return True

    def archive(self, reason: str, meta: Meta) -> None:
        self._still_open("archived again")
        self._archived(reason, meta)

    def _still_open(self, done: str) -> None:
        if self.archived:
            raise Conflict(f"{self.details['name']} ({self.school_urn}) is archived "
                           f"({self.archived_because}); it cannot be {done}")

    @event("Changed")
    def _changed(self, details: dict[str, Any], meta: Meta) -> None:
        self.details = dict(details)

    @event("Archived")
    def _archived(self, reason: str, meta: Meta) -> None:
        self.archived_because = reason
