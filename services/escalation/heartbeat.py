"""The scheduler's heartbeat: a sign of life, with its progress, that the pages watch.

Published straight on core NATS, not through the store and outbox: a heartbeat changes no
visit, so keeping one every few seconds per replica would fill the store and the audit trail
with noise, and an outbox relay that had fallen behind would send stale beats that look alive.
Core NATS gives the watcher exactly what it needs: beats while the scheduler runs, nothing when
it stops. A watcher that restarts simply waits for the next beat (a few seconds).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from services.escalation.lease import Lease
from shared.contracts.escalation import EscalationHeartbeat, ProviderHealth

log = logging.getLogger(__name__)
WINDOW = 60.0  # "in the last minute"


class ProviderTally:
    """Each provider's attempts of the last minute, and since when every attempt has failed."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self.attempts: dict[str, deque[tuple[float, bool]]] = {}
        self.failing_since: dict[str, float] = {}

    def note(self, provider: str, delivered: bool, at: float | None = None) -> None:
        at = time.time() if at is None else at
        self.attempts.setdefault(provider, deque()).append((at, delivered))
        if delivered:
            self.failing_since.pop(provider, None)
        else:
            self.failing_since.setdefault(provider, at)

    def health(self, now: float | None = None) -> list[ProviderHealth]:
        now = time.time() if now is None else now
        found = []
        for provider, attempts in sorted(self.attempts.items()):
            while attempts and attempts[0][0] < now - self.window:
                attempts.popleft()
            since = self.failing_since.get(provider)
            found.append(ProviderHealth(
                provider=provider, sent_last_minute=len(attempts),
                failed_last_minute=sum(1 for _, delivered in attempts if not delivered),
                failing_since=datetime.fromtimestamp(since, UTC) if since else None))
        return found


class Progress(Protocol):
    """What a beat reports of the scheduler: its index of deadlines."""

    def pending(self) -> int: ...

    def oldest_overdue(self, now: float) -> float: ...


class Heartbeat:
    """Called by the scheduler on every pass of its loop; beats at most every `every` seconds."""

    def __init__(self, publish: Callable[[bytes], Awaitable[None]], replica: str,
                 lease: Lease | None, tally: ProviderTally, every: float) -> None:
        self.publish = publish
        self.replica = replica
        self.lease = lease
        self.tally = tally
        self.every = every
        self.last = 0.0

    async def tick(self, progress: Progress) -> None:
        now = time.time()
        if now - self.last < self.every:
            return
        self.last = now
        at = datetime.fromtimestamp(now, UTC)
        beat = EscalationHeartbeat(
            replica=self.replica, leading=self.lease is None or self.lease.held(), sent_at=at,
            last_tick_at=at, deadlines_pending=progress.pending(),
            oldest_overdue_seconds=progress.oldest_overdue(now),
            providers=self.tally.health(now))
        try:
            await self.publish(beat.model_dump_json().encode())
        except Exception as error:  # NATS away: the watcher notices the silence itself
            log.warning("heartbeat not sent: %r", error)
