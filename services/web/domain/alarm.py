"""A trust's safety alarm: each time escalation's safety loop was down, and who was told.

Kept in the pages' own store, so auditors can see when the loop was down and for how long, and
so a restart of the pages during an outage tells nobody twice (OneAlarmPerOutage).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class SafetyAlarm(Aggregate):
    """One per trust, for good: raised and cleared once per outage."""

    @staticmethod
    def create_id(trust_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:web:safety-alarm:{trust_id}")

    @event("Created")
    def __init__(self, trust_id: str) -> None:
        self.trust_id = trust_id
        self.outages = 0
        self.raised: dict[str, Any] | None = None  # the outage now, while raised
        self.told: set[str] = set()  # leads told of this outage (person and channel)
        self.history: list[dict[str, Any]] = []

    @property
    def is_raised(self) -> bool:
        return self.raised is not None

    def raise_alarm(self, loop: str, since: datetime, schools: list[str],
                    providers: list[str]) -> bool:
        """OneAlarmPerOutage: raised once; True if this call raised it."""
        if self.raised is not None:
            return False
        self._raised(loop, since.isoformat(), schools, providers)
        return True

    @event("Raised")
    def _raised(self, loop: str, since: str, schools: list[str], providers: list[str]) -> None:
        self.outages += 1
        self.raised = {"outage": self.outages, "loop": loop, "since": since,
                       "schools": schools, "providers": providers}
        self.told = set()

    def needs_telling(self, lead: str) -> bool:
        return self.raised is not None and lead not in self.told

    @event("LeadTold")
    def lead_told(self, lead: str, delivered: bool, detail: str) -> None:
        """One lead (person and channel) told of this outage; a failed attempt is kept too, and
        is not tried again for this outage (the other channels are)."""
        self.told.add(lead)

    def clear(self, at: datetime) -> bool:
        if self.raised is None:
            return False
        self._cleared(at.isoformat())
        return True

    @event("Cleared")
    def _cleared(self, at: str) -> None:
        assert self.raised is not None
        self.history.append({**self.raised, "cleared_at": at, "told": sorted(self.told)})
        self.raised = None
        self.told = set()
