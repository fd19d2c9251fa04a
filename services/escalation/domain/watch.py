"""The Watch on one visit: its deadlines, computed from the visit's events. Pure.

Deadlines are derived, never stored as timers: the stored facts (when they arrived, last checked
in, are expected back) and the school's plan give every pending deadline, so a restart or a
replica that replays the store computes exactly the same ones. Messages may come late, twice or
out of order: each is applied once (by its event id) and phases only move forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.meta import Meta

DEFAULT_PLAN = {"check_in_interval_minutes": 30, "no_one_home_wait_minutes": 20,
                "grace_minutes": 5, "reminder_before_minutes": 5, "level2_after_minutes": 10,
                "level3_after_minutes": 15, "fallback_after_minutes": 15}
PHASES = ("authorised", "travelling", "at_property", "away", "closed")
TRIGGERS = {"arrival": "arrival_overdue", "check_in": "check_in_missed",
            "wait": "no_one_home_wait", "return": "return_overdue"}


@dataclass(frozen=True)
class Deadline:
    kind: str  # arrival | check_in | return
    sequence: int
    nominal: datetime
    due: datetime  # nominal plus the school's grace

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.sequence}"


@dataclass(frozen=True)
class Raise:
    """What the application must do after a deadline passed: raise or extend an escalation."""

    escalation_id: UUID
    trigger: str
    new: bool
    late: bool


class Watch(Aggregate):
    """Per-visit deadline state, in this service's own store."""

    @staticmethod
    @lru_cache(maxsize=16_384)  # every event of a visit and every deadline asks: a SHA-1 each
    def create_id(visit_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:escalation:watch:{visit_id}")

    @event("Opened")
    def __init__(self, visit_id: UUID, meta: Meta) -> None:
        self.visit_id = visit_id
        self.trust_id = meta["trust_id"]
        self.school_urn = meta["school_urn"]
        self.correlation_id = meta["correlation_id"]
        self.last_cause = meta.get("causation_id", "")
        self.causes: list[str] = []
        self.plan: dict[str, int] = dict(DEFAULT_PLAN)
        self.phase = "authorised"
        self.staff_ids: list[str] = []
        self.buddy: dict[str, Any] | None = None
        self.expected_arrival: datetime | None = None
        self.expected_return: datetime | None = None
        self.arrived_at: datetime | None = None
        self.last_contact_at: datetime | None = None
        self.last_sequence = 0
        self.missed: list[str] = []
        self.reminded: list[str] = []
        self.open_escalation: UUID | None = None
        self.escalations: list[UUID] = []
        self.intervals: dict[str, int] = {}

    # --- facts from the visit's events (each applied once, by its event id) ---

    def seen(self, cause: str, check_in: int | None = None) -> bool:
        """Applied already? A check-in is known by its number (they only go up), so a visit's
        check-ins do not pile up in memory; other facts by the event's id."""
        if check_in is not None:
            return check_in <= self.last_sequence
        return cause in self.causes

    @event("Authorised")
    def authorised(self, cause: str, plan: dict[str, int], staff_ids: list[str],
                   meta: Meta) -> None:
        self._note(cause)
        self.plan = {**self.plan, **plan}
        self.intervals["authorised"] = plan["check_in_interval_minutes"]
        self.staff_ids = sorted(set(self.staff_ids) | set(staff_ids))

    @event("Departed")
    def departed(self, cause: str, at: datetime, expected_arrival: datetime,
                 expected_return: datetime, check_in_interval_minutes: int, buddy: dict[str, Any],
                 staff_ids: list[str], meta: Meta) -> None:
        self._note(cause)
        self._advance("travelling")
        self.expected_arrival = expected_arrival
        self.expected_return = self.expected_return or expected_return
        self.intervals["signed_out"] = check_in_interval_minutes
        self.buddy = buddy
        self.staff_ids = sorted(set(self.staff_ids) | set(staff_ids))

    @event("Arrived")
    def arrived(self, cause: str, at: datetime, meta: Meta) -> None:
        self._note(cause)
        if self._advance("at_property"):
            self.arrived_at = at
            self.last_contact_at = max(self.last_contact_at or at, at)

    @event("CheckedIn")
    def checked_in(self, cause: str, at: datetime, sequence: int, meta: Meta) -> None:
        self.last_cause = cause  # not kept in `causes`: seen by its number
        if self._advance("at_property"):
            self.arrived_at = self.arrived_at or at
        self.last_contact_at = max(self.last_contact_at or at, at)
        self.last_sequence = max(self.last_sequence, sequence)
        # what was reminded of or missed up to this check-in is answered: kept no longer, so a
        # long visit's Watch does not grow with its check-ins
        self.reminded = [key for key in self.reminded if not self._answered(key)]
        self.missed = [key for key in self.missed if not self._answered(key)]

    @event("WentAway")
    def went_away(self, cause: str, at: datetime, expected_return: datetime | None,
                  meta: Meta) -> None:
        """NoOneHome or LeftProperty: they are on their way back."""
        self._note(cause)
        self._advance("away")
        self.last_contact_at = max(self.last_contact_at or at, at)
        if expected_return is not None:
            self.expected_return = expected_return

    @event("Closed")
    def closed(self, cause: str, at: datetime, how: str, meta: Meta) -> None:
        self._note(cause)
        self.phase = "closed"

    @event("DuressRaised")
    def duress(self, cause: str, at: datetime, how: str, escalation_id: UUID, meta: Meta) -> None:
        self._note(cause)
        self.open_escalation = escalation_id
        self.escalations.append(escalation_id)

    def _answered(self, key: str) -> bool:
        kind, _, sequence = key.partition(":")
        return kind == "check_in" and int(sequence) <= self.last_sequence

    def _note(self, cause: str) -> None:
        self.causes.append(cause)
        self.last_cause = cause

    def _advance(self, phase: str) -> bool:
        """Phases only move forward: a late message cannot reopen what a later one closed."""
        if PHASES.index(phase) <= PHASES.index(self.phase):
            return PHASES.index(phase) == PHASES.index(self.phase)
        self.phase = phase
        return True

    # --- deadlines ---

    def deadlines(self, minute: float) -> list[Deadline]:
        """Every deadline still pending, from the stored facts and the plan."""
        if self.phase == "closed":
            return []
        grace = self._minutes(self.plan["grace_minutes"], minute)
        found: list[Deadline] = []
        if self.phase == "travelling" and self.expected_arrival and "arrival:1" not in self.missed:
            found.append(Deadline("arrival", 1, self.expected_arrival,
                                  self.expected_arrival + grace))
        if self.phase == "at_property" and self.last_contact_at is not None:
            nominal, sequence = self._next_check_in(minute)
            found.append(Deadline("check_in", sequence, nominal, nominal + grace))
        if self.phase == "away" and self.expected_return and "return:1" not in self.missed:
            found.append(Deadline("return", 1, self.expected_return, self.expected_return + grace))
        return found

    def _next_check_in(self, minute: float) -> tuple[datetime, int]:
        interval = self._minutes(self.interval_minutes, minute)
        assert self.last_contact_at is not None
        first = self.last_sequence == 0
        wait = self._minutes(self.plan["no_one_home_wait_minutes"], minute)
        # NoOneHomeWait: "staff will wait no longer than 20 minutes" (ordsall-primary.txt line
        # 100): until the first check-in or NoOneHome, contact is due by the end of the wait.
        nominal = self.last_contact_at + (min(interval, wait) if first else interval)
        sequence = self.last_sequence + 1
        while f"check_in:{sequence}" in self.missed:
            nominal, sequence = nominal + interval, sequence + 1
        return nominal, sequence

    @property
    def interval_minutes(self) -> int:
        """CheckInInterval: "notify the school office every twenty minutes" (ordsall-primary.txt
        line 132). The stricter of the authorised and the signed-out interval holds."""
        return min(self.intervals.values(), default=self.plan["check_in_interval_minutes"])

    def reminder(self, minute: float) -> tuple[datetime, Deadline] | None:
        """CheckInDueSoon: shortly before a check-in is due, once per check-in."""
        return self._reminder_among(self.deadlines(minute), minute)

    def _reminder_among(self, deadlines: list[Deadline], minute: float
                        ) -> tuple[datetime, Deadline] | None:
        before = self.plan["reminder_before_minutes"]
        for deadline in deadlines:
            if deadline.kind != "check_in" or before <= 0 or deadline.key in self.reminded:
                continue
            at = deadline.nominal - self._minutes(before, minute)
            if self.last_contact_at is None or at > self.last_contact_at:
                return at, deadline
        return None

    def next_due(self, minute: float) -> datetime | None:
        deadlines = self.deadlines(minute)
        times = [deadline.due for deadline in deadlines]
        reminder = self._reminder_among(deadlines, minute)
        if reminder is not None:
            times.append(reminder[0])
        return min(times, default=None)

    def fire(self, now: datetime, minute: float, late_after: float, meta: Meta) -> list[Raise]:
        """Record every deadline that has passed by `now`; NoPassedDeadlineGoesUnescalated."""
        raises: list[Raise] = []
        while True:
            reminder = self.reminder(minute)
            if reminder is not None and reminder[0] <= now < reminder[1].due:
                self._reminded(reminder[1].key, reminder[1].sequence, reminder[1].nominal, meta)
                continue
            passed = [d for d in self.deadlines(minute) if d.due <= now]
            if not passed:
                return raises
            deadline = min(passed, key=lambda d: d.due)
            late = (now - deadline.due).total_seconds() > late_after
            trigger = TRIGGERS[deadline.kind]
            if deadline.kind == "check_in" and self.last_sequence == 0 and (
                    self.plan["no_one_home_wait_minutes"]
                    < self.interval_minutes):
                trigger = TRIGGERS["wait"]
            new = self.open_escalation is None
            escalation_id = self.open_escalation or uuid5(self.id, deadline.key)
            self._missed(deadline.kind, deadline.sequence, deadline.nominal, deadline.due, now,
                         late, escalation_id, new, meta)
            if new:
                raises.append(Raise(escalation_id, trigger, True, late))

    @event("ReminderDue")
    def _reminded(self, key: str, sequence: int, nominal: datetime, meta: Meta) -> None:
        self.reminded.append(key)

    @event("DeadlineMissed")
    def _missed(self, kind: str, sequence: int, nominal: datetime, due_at: datetime,
                fired_at: datetime, late: bool, escalation_id: UUID, new_escalation: bool,
                meta: Meta) -> None:
        self.missed.append(f"{kind}:{sequence}")
        if new_escalation:
            self.open_escalation = escalation_id
            self.escalations.append(escalation_id)

    def escalation_closed(self, escalation_id: UUID, meta: Meta) -> None:
        if self.open_escalation == escalation_id:
            self._escalation_closed(escalation_id, meta)

    @event("EscalationClosed")
    def _escalation_closed(self, escalation_id: UUID, meta: Meta) -> None:
        self.open_escalation = None

    @staticmethod
    def _minutes(minutes: int, minute: float) -> timedelta:
        return timedelta(seconds=minutes * minute)

    def system_meta(self) -> Meta:
        """Meta for what the service decides itself: same correlation, caused by the last fact."""
        return {"trust_id": self.trust_id, "school_urn": self.school_urn,
                "actor_id": "escalation", "actor_role": "system",
                "correlation_id": self.correlation_id, "causation_id": self.last_cause,
                "visit_id": str(self.visit_id)}
