"""One escalation: raised at a level, climbing until a named person acknowledges it. Pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.escalation.domain.ladder import FALLBACK_LEVEL, TOP_LEVEL, Contact, level_reason
from shared.contracts.errors import Conflict, Invalid
from shared.contracts.meta import Meta

OUTCOMES = ("staff_safe", "contact_made", "police_called")
AFTER = {1: "level2_after_minutes", 2: "level3_after_minutes", 3: "fallback_after_minutes",
         4: "fallback_after_minutes"}

ContactsFor = Callable[[int], list[Contact]]


class Escalation(Aggregate):
    """The ladder for one alarm about one visit."""

    @staticmethod
    def create_id(escalation_id: UUID) -> UUID:
        return escalation_id

    @event("Raised")
    def __init__(self, escalation_id: UUID, visit_id: UUID, trigger: str, level: int,
                 contacts: list[Contact], plan: dict[str, int], raised_at: datetime, late: bool,
                 on_visit: list[str], reason: str, meta: Meta) -> None:
        self.visit_id = visit_id
        self.trust_id = meta["trust_id"]
        self.school_urn = meta["school_urn"]
        self.correlation_id = meta["correlation_id"]
        self.trigger = trigger
        self.level = level
        self.level_since = raised_at
        self.raised_at = raised_at
        self.plan = plan
        self.on_visit = on_visit
        self.told: list[str] = [contact["person_id"] for contact in contacts]
        self.level_contacts = [contact["person_id"] for contact in contacts]
        self.unreachable: list[str] = []
        self.acknowledged_by: dict[str, str] | None = None
        self.outcome: str | None = None
        self.buddy_no_contact = False

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def climbing(self) -> bool:
        return self.is_open and self.acknowledged_by is None

    def next_due(self, minute: float) -> datetime | None:
        """When it climbs next; the fallback (level 4) repeats until someone acknowledges."""
        if not self.climbing:
            return None
        return self.level_since + timedelta(seconds=self.plan[AFTER[self.level]] * minute)

    def climb_due(self, now: datetime, minute: float, late_after: float, contacts_for: ContactsFor,
                  meta: Meta) -> int:
        """Climb every level whose time has passed; returns how many steps were taken."""
        steps = 0
        due = self.next_due(minute)
        while due is not None and due <= now:
            level = min(self.level + 1, FALLBACK_LEVEL)
            late = (now - due).total_seconds() > late_after
            since = now if level == FALLBACK_LEVEL and self.level == FALLBACK_LEVEL else due
            self._climbed(level, self.trigger, level_reason(level, self.trigger),
                          contacts_for(level), since, now, late, meta)
            steps += 1
            due = self.next_due(minute)
        return steps

    def no_contact(self, reported_by: str, now: datetime, contacts_for: ContactsFor,
                   meta: Meta) -> None:
        """SeniorLeaderAtOnceWithoutContact: the buddy could not reach anyone: level 2 now."""
        if not self.climbing:
            raise Conflict("this escalation is already acknowledged or resolved; "
                           "tell the person who owns it instead")
        if self.level >= 2:
            return
        self._climbed(2, self.trigger, f"the buddy ({reported_by}) could not reach any staff member",
                      contacts_for(2), now, now, False, meta)

    @event("Climbed")
    def _climbed(self, level: int, trigger: str, reason: str, contacts: list[Contact], since: datetime,
                 at: datetime, late: bool, meta: Meta) -> None:
        self.level = level
        self.level_since = since
        self.told += [contact["person_id"] for contact in contacts]
        self.level_contacts = [contact["person_id"] for contact in contacts]
        self.unreachable = []

    def unreachable_at(self, level: int, person_id: str, now: datetime,
                       contacts_for: ContactsFor, meta: Meta) -> bool:
        """EveryNotificationFailedClimbsAtOnce: when every person told at this level is out of
        reach on every channel, the next level is told now rather than after its timeout.
        True if it climbed."""
        if not self.climbing or level != self.level or person_id in self.unreachable:
            return False
        self._unreachable(person_id, level, meta)
        if not set(self.level_contacts) <= set(self.unreachable) or self.level >= FALLBACK_LEVEL:
            return False
        self._climbed(self.level + 1, self.trigger,
                      f"every notification at level {level} failed: nobody there could be reached",
                      contacts_for(self.level + 1), now, now, False, meta)
        return True

    @event("Unreachable")
    def _unreachable(self, person_id: str, level: int, meta: Meta) -> None:
        self.unreachable.append(person_id)

    def acknowledge(self, person_id: str, role: str, now: datetime, meta: Meta) -> bool:
        """AcknowledgementIsExplicit; FirstToAcknowledgeOwnsIt. True if this call took it."""
        if person_id in self.on_visit:
            raise Conflict(f"{person_id} is on this visit and cannot acknowledge its escalation")
        if self.acknowledged_by is not None:
            if self.acknowledged_by["person_id"] == person_id:
                return False
            owner = self.acknowledged_by
            raise Conflict(f"already acknowledged by {owner['person_id']} ({owner['role']}), "
                           "who owns it")
        if not self.is_open:
            raise Conflict("this escalation is already resolved")
        self._acknowledged(person_id, role, self.level, now, meta)
        return True

    @event("Acknowledged")
    def _acknowledged(self, person_id: str, role: str, level: int, at: datetime,
                      meta: Meta) -> None:
        self.acknowledged_by = {"person_id": person_id, "role": role, "at": at.isoformat()}

    def resolve(self, person_id: str, role: str, outcome: str, note: str, now: datetime,
                meta: Meta) -> None:
        if outcome not in OUTCOMES:
            raise Invalid(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
        if self.acknowledged_by is None:
            raise Conflict("acknowledge the escalation before resolving it: the first to "
                           "acknowledge owns it")
        if not self.is_open:
            raise Conflict(f"already resolved: {self.outcome}")
        self._resolved(person_id, role, outcome, note, now, meta)

    @event("Resolved")
    def _resolved(self, person_id: str, role: str, outcome: str, note: str, at: datetime,
                  meta: Meta) -> None:
        self.outcome = outcome

    @property
    def top_reached(self) -> bool:
        return self.level >= TOP_LEVEL

    def summary(self) -> dict[str, Any]:
        return {"escalation_id": str(self.id), "visit_id": str(self.visit_id),
                "school_urn": self.school_urn, "trigger": self.trigger, "level": self.level,
                "raised_at": self.raised_at.isoformat(),
                "level_since": self.level_since.isoformat(),
                "acknowledged_by": self.acknowledged_by, "outcome": self.outcome,
                "told": self.told}
