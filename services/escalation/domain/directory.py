"""The escalation contact directory of one school: who is told at each level, and how."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.meta import Meta


class ContactDirectory(Aggregate):
    """Set by the school (or trust IT); personal data, so it stays in this service's store."""

    @staticmethod
    def create_id(school_urn: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:escalation:directory:{school_urn}")

    @event("Created")
    def __init__(self, school_urn: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.contacts: list[dict[str, Any]] = []
        self.missing: list[str] | None = None  # the ladder's gaps when last checked

    def replace(self, contacts: list[dict[str, Any]], meta: Meta) -> None:
        if contacts != self.contacts:
            self._replaced(contacts, meta)

    @event("Replaced")
    def _replaced(self, contacts: list[dict[str, Any]], meta: Meta) -> None:
        self.contacts = contacts

    def check_ladder(self, missing: list[str], meta: Meta) -> None:
        """LadderIsComplete, recorded (and published) each time the answer changes."""
        if missing != self.missing:
            self._ladder_checked(missing, meta)

    @event("LadderChecked")
    def _ladder_checked(self, missing: list[str], meta: Meta) -> None:
        self.missing = missing
