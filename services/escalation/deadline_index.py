"""The deadline index: every aggregate's next due time, in a heap, kept current by following the
store's notification log (the scheduler fires from it; see scheduler.DECISION for why)."""

from __future__ import annotations

import heapq
import threading
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.escalation.application import EscalationApplication
from services.escalation.domain import Delivery, Escalation, Watch
from services.escalation.metrics import KINDS, fired

# Notifications read from the store's log per look; fewer back means the index is up to date.
FOLLOW_LIMIT = 1000


class DeadlineIndex:
    """Every aggregate's next due time, kept current by following the store's notification log.

    Every replica keeps one (cheap: one entry per live visit), so a standby can take over at once.
    """

    def __init__(self, app: EscalationApplication) -> None:
        self.app = app
        self.position = 0
        self.heap: list[tuple[float, UUID]] = []
        self.due: dict[UUID, float] = {}
        self.open: dict[str, dict[UUID, dict[str, Any]]] = {}
        self.versions: dict[UUID, int] = {}
        self.kinds: dict[UUID, str] = {}  # visit, escalation or delivery: for the metrics
        self.lock = threading.Lock()

    def follow(self, limit: int = FOLLOW_LIMIT) -> int:
        notifications = self.app.recorder.select_notifications(self.position + 1, limit)
        if not notifications:
            return 0
        changed = dict.fromkeys(
            UUID(str(n.originator_id)) for n in notifications
            if n.originator_version > self.versions.get(UUID(str(n.originator_id)), 0))
        with self.app.caught_up():
            for aggregate_id in changed:
                self.refresh(aggregate_id)
        self.position = notifications[-1].id
        return len(notifications)

    def refresh(self, aggregate_id: UUID) -> None:
        aggregate: Any = self.app.find(aggregate_id, Aggregate, copy=False)
        if aggregate is not None:
            self.note(aggregate)

    def note(self, aggregate: Any) -> bool:
        """Index an aggregate already in hand (just loaded or just saved). True when its
        deadline is now the first of all: the scheduler, asleep until the one before, must
        wake (otherwise it wakes in time by itself: a check-in only moves a deadline on)."""
        aggregate_id: UUID = aggregate.id
        self.kinds[aggregate_id] = KINDS.get(type(aggregate).__name__, "visit")
        self.versions[aggregate_id] = max(self.versions.get(aggregate_id, 0), aggregate.version)
        when: datetime | None = None
        minute = self.app.timing.minute
        if isinstance(aggregate, Watch):
            when = aggregate.next_due(minute)
        elif isinstance(aggregate, Escalation):
            when = aggregate.next_due(minute)
            school = self.open.setdefault(aggregate.school_urn, {})
            if aggregate.is_open:
                school[aggregate.id] = aggregate.summary()
            else:
                school.pop(aggregate.id, None)
        elif isinstance(aggregate, Delivery):
            when = aggregate.next_due()
        return self.schedule(aggregate_id, when)

    def schedule(self, aggregate_id: UUID, when: datetime | None) -> bool:
        """True when `when` is earlier than every deadline already in the heap."""
        with self.lock:
            if when is None:
                self.due.pop(aggregate_id, None)
                return False
            stamp = when.timestamp()
            if self.due.get(aggregate_id) == stamp:
                return False
            first = not self.heap or stamp < self.heap[0][0]
            self.due[aggregate_id] = stamp
            heapq.heappush(self.heap, (stamp, aggregate_id))
            return first

    def pop_due(self, now: float, limit: int = 500) -> list[UUID]:
        found: list[UUID] = []
        with self.lock:
            self._pop(now, limit, found)
        return found

    def _pop(self, now: float, limit: int, found: list[UUID]) -> None:
        while self.heap and self.heap[0][0] <= now and len(found) < limit:
            stamp, aggregate_id = heapq.heappop(self.heap)
            if self.due.get(aggregate_id) == stamp:  # otherwise superseded: a lazy deletion
                del self.due[aggregate_id]
                found.append(aggregate_id)
                fired(self.kinds.get(aggregate_id, "visit"), now - stamp)

    def seconds_to_next(self, now: float) -> float | None:
        with self.lock:
            while self.heap and self.due.get(self.heap[0][1]) != self.heap[0][0]:
                heapq.heappop(self.heap)
            return self.heap[0][0] - now if self.heap else None

    def pending(self) -> int:
        return len(self.due)

    def oldest_overdue(self, now: float) -> float:
        """Seconds past due of the most overdue deadline still waiting to fire (0 if none)."""
        left = self.seconds_to_next(now)
        return max(0.0, -left) if left is not None else 0.0

    def open_escalations(self, school_urn: str) -> list[dict[str, Any]]:
        return sorted(self.open.get(school_urn, {}).values(), key=lambda e: e["raised_at"])
