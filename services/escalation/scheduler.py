"""The deadline scheduler: one leader fires what the deadline index (deadline_index.py) holds due.

Why store-backed with a NATS KV lease, not JetStream message schedules: see `DECISION` below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from eventsourcing.domain import Aggregate

from services.escalation.application import EscalationApplication
from services.escalation.channels import EmailSender, post_teams
from services.escalation.deadline_index import FOLLOW_LIMIT, DeadlineIndex
from services.escalation.domain import Delivery
from services.escalation.heartbeat import Heartbeat, ProviderTally
from services.escalation.lease import Lease
from services.escalation.metrics import LAST_TICK, LEADING, notified
from services.escalation.naming import Naming
from services.escalation.notify import (
    BY_IDS,
    Gateway,
    Outbound,
    SendFailed,
    post_webhook,
    sms_text,
)
from services.escalation.reminders import is_reminder, reminder_text
from shared.storage.sealing import SHREDDED, Sealer

log = logging.getLogger(__name__)
# Deadlines fired (and their notifications sent) per round: small enough that the first of a
# burst is not kept waiting for the store to take the whole burst.
FIRE_BATCH = 256
# Rounds start at most this often (unless the last one fired a full batch): deadlines that fall
# due close together (167 a second at 100,000 live visits) share a round, its thread hops and
# its transaction, at the cost of firing each at most this much later. A duress woken for is
# sent at most this much later too: against the policy's minutes and an SMS's seconds, nothing.
GATHER_SECONDS = 0.1

DECISION = """
Store-backed deadlines with a NATS KV leader lease.
- Deadlines are derived from stored facts, so a restart (or a standby taking over) recomputes all
  of them and fires the passed ones at once, marked late (tests/escalation/test_durability.py);
  a check-in cancels nothing, it just changes the facts.
- Exactly-once raising does not rest on the lease: an escalation's id is derived from the visit
  and the missed deadline, and the store's optimistic concurrency refuses a second writer
  (tests/escalation/test_store.py), so two replicas that both think they lead record one
  escalation. The lease only stops them both sending notifications.
- Measured (tests/benchmarks/escalation_deadlines.py, 10,000 live visits, SQLite, 2 shared
  cores): deadline -> CheckInMissed on NATS p50 7 ms, p99 251 ms, max 424 ms, peak RSS 149 MB,
  once the outbox relay pipelined its publishes (before: p99 1.1-2.4 s, the tail being bursts
  of fired deadlines waiting for one awaited publish after another).
- JetStream `@at` schedules would fire while we are down, but every check-in needs a purge and a
  republish, and the fired message must still be checked against the store. Our probe
  (tests/benchmarks/escalation_schedules_probe.py) set and replaced 10,000 schedules in 3.6 s but
  saw none delivered; the probe is probably wrong (TECH-NOTES saw `@at` fire), so schedules were
  not rejected on their timing, only on the reconciliation work they add.
"""


class Scheduler:
    """Follows the store on every replica; only the lease holder fires and notifies."""

    def __init__(self, app: EscalationApplication, index: DeadlineIndex, lease: Lease | None,
                 *, tick: float, gateways: dict[str, Gateway], webhook_secret: str,
                 sealer: Sealer,
                 wakeup: asyncio.Event | None = None,
                 public_url: str = "", email: EmailSender | Gateway | None = None,
                 naming: Naming = BY_IDS, zone: str = "Europe/London",
                 heartbeat: Heartbeat | None = None) -> None:
        self.app = app
        self.zone = zone
        self.heartbeat = heartbeat
        self.tally = heartbeat.tally if heartbeat else ProviderTally()
        self.naming = naming
        self.email = email
        self.public_url = public_url
        self.sealer = sealer
        self.index = index
        self.lease = lease
        self.tick = tick
        self.gateways = gateways
        self.webhook_secret = webhook_secret
        self.wakeup = wakeup or asyncio.Event()
        self.sending: set[UUID] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        async with httpx.AsyncClient() as client:
            while True:
                began = time.monotonic()
                LAST_TICK.set(time.time())
                while await asyncio.to_thread(self.index.follow) >= FOLLOW_LIMIT:
                    pass  # a full page: there may be more
                leading = self.lease is None or self.lease.held()
                LEADING.set(1 if leading else 0)
                fired = await self.fire_due(client) if leading else 0
                if self.heartbeat is not None:  # here, so a scheduler that hangs stops beating
                    await self.heartbeat.tick(self.index)
                if fired == FIRE_BATCH:
                    continue  # a backlog: the next round at once
                wait = self.index.seconds_to_next(datetime.now(UTC).timestamp())
                wait = self.tick if wait is None else max(0.0, min(self.tick, wait))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), wait)
                await asyncio.sleep(began + min(GATHER_SECONDS, self.tick) - time.monotonic())
                self.wakeup.clear()

    async def fire_due(self, client: httpx.AsyncClient) -> int:
        """Fire what is due (a batch at most); how many deadlines and deliveries were due."""
        due = self.index.pop_due(datetime.now(UTC).timestamp(), limit=FIRE_BATCH)
        if not due:
            return 0
        deliveries = await asyncio.to_thread(self._fire_all, due)
        for delivery in deliveries:
            if delivery.id not in self.sending:
                self.sending.add(delivery.id)
                task = asyncio.create_task(self._send(client, delivery))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        return len(due)

    def _fire_all(self, due: list[UUID]) -> list[Delivery]:
        with self.app.caught_up():
            return self._fire_each(due)

    def _fire_each(self, due: list[UUID]) -> list[Delivery]:
        deliveries: list[Delivery] = []
        deadlines: list[UUID] = []
        for aggregate_id in due:
            aggregate: Any = self.app.find(aggregate_id, Aggregate, copy=False)
            if isinstance(aggregate, Delivery):
                deliveries.append(aggregate)
            else:
                deadlines.append(aggregate_id)
        try:
            changed = self.app.fire_many(deadlines)
        except Exception:
            log.exception("firing %d deadlines together failed; firing each alone", len(deadlines))
            changed = []
            for aggregate_id in deadlines:  # one bad aggregate must not hold up the others
                try:
                    changed += self.app.fire(aggregate_id)
                except Exception:
                    log.exception("firing %s failed; it stays due and is retried", aggregate_id)
        for saved in changed:
            self.index.note(saved)
            if isinstance(saved, Delivery):
                deliveries.append(saved)
        noted = {saved.id for saved in changed}
        for aggregate_id in deadlines:
            if aggregate_id not in noted:
                self.index.refresh(aggregate_id)
        return deliveries

    def _text(self, message: dict[str, Any]) -> str:
        if is_reminder(message):
            return reminder_text(message, self.naming, self.zone)
        return sms_text(message, self.public_url, self.naming)

    async def _send(self, client: httpx.AsyncClient, stale: Delivery) -> None:
        try:
            # reloaded inside the in-flight guard: an attempt that finished meanwhile is seen
            # (the index may hand over a copy loaded before that attempt was recorded)
            delivery: Delivery | None = await asyncio.to_thread(
                self.app.find, stale.id, Delivery, copy=False)
            if delivery is None:
                return
            due = delivery.next_due()
            if due is None or due.timestamp() > datetime.now(UTC).timestamp():
                await asyncio.to_thread(self.index.note, delivery)
                return
            provider = self.app.channels.provider(str(delivery.message.get("school_urn")))
            if delivery.channel in ("webhook", "teams", "email"):
                provider = delivery.channel
            try:
                # names are opened from the register here, off the loop, to be sent
                text = "" if delivery.channel == "webhook" else await asyncio.to_thread(
                    self._text, delivery.message)
                if delivery.channel == "webhook":
                    detail = await post_webhook(client, delivery.address, self.webhook_secret,
                                                str(delivery.id), delivery.message)
                elif delivery.channel == "teams":
                    detail = await post_teams(client, delivery.address, text)
                elif delivery.channel == "email":
                    if self.email is None:
                        raise SendFailed("no mail server is configured")
                    detail = await self.email.send(Outbound(
                        "email", delivery.address, text, delivery.id, delivery.message))
                elif gateway := self.gateways.get(provider):
                    # a phone (a sign-out's, or the register's) is sealed: opened only here
                    address = await asyncio.to_thread(self.sealer.unseal, delivery.address)
                    if address == SHREDDED:
                        raise SendFailed("the number was erased with its owner's data")
                    detail = await gateway.send(Outbound(delivery.channel, address, text,
                                                              delivery.id, delivery.message))
                else:
                    raise SendFailed(f"no {delivery.channel} gateway is configured")
                delivered = True
            except SendFailed as error:
                detail, delivered = str(error), False
            self.tally.note(provider.partition(":")[0], delivered)
            notified(provider.partition(":")[0], delivery.channel,
                     "sent" if delivered else "failed")
            await asyncio.to_thread(self.app.record_attempt, delivery.id, delivery.attempts + 1,
                                    delivered, detail)
            await asyncio.to_thread(self.index.refresh, delivery.id)
        except Exception:
            log.exception("delivery %s failed to record; it stays due", stale.id)
            await asyncio.to_thread(self.index.refresh, stale.id)
        finally:
            self.sending.discard(stale.id)
