"""A short link in a text or an email that acknowledges one escalation as one person. Pure.

Bound to the escalation and the person it was sent to, it works once and expires.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.errors import Gone
from shared.contracts.meta import Meta


class AckLink(Aggregate):
    @staticmethod
    def create_id(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:escalation:ack-link:{code}")

    @event("Issued")
    def __init__(self, code: str, escalation_id: UUID, school_urn: str, person_id: str,
                 role: str, expires_at: datetime, meta: Meta) -> None:
        self.code = code
        self.escalation_id = escalation_id
        self.school_urn = school_urn
        self.person_id = person_id
        self.role = role
        self.expires_at = expires_at
        self.used_at: datetime | None = None

    def check(self, now: datetime) -> None:
        """AckLinkWorksOnceAndExpires."""
        if self.used_at is not None:
            raise Gone("this link has been used already: open Doorstep to see the escalation")
        if now > self.expires_at:
            raise Gone("this link has expired: open Doorstep to acknowledge the escalation")

    def use(self, now: datetime, meta: Meta) -> None:
        self.check(now)
        self._used(now, meta)

    @event("Used")
    def _used(self, at: datetime, meta: Meta) -> None:
        self.used_at = at
