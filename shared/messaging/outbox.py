"""The outbox relay: follows a service's notification log and publishes each event once.

Position is tracked in the service's own store. A crash after publishing and before the
position is saved republishes with the same Nats-Msg-Id, which JetStream de-duplicates (and
every consumer's handling is idempotent besides). So the position need not be written after every
batch: it is written at most every `save_every_seconds`, busy or idle (an idle relay writes what
it has reached once that time has passed). The relay keeps the position it has reached in memory,
and reads the store's as it writes its own and, as often, while idle, so a replica's relay skips
what another published.

A round that found fewer events than it asks for has seen the end of the log: the relay waits
then for a wake-up or its poll, rather than asking again at once. At a few check-ins a second
each one is its own round, so asking again, and reading or writing the position after every one,
made three more store round trips an event. Every store this process makes wakes the relay
(`FreshCached.on_store`), from whichever thread stored, so the poll (`relay_poll_seconds`) is
only for what another process wrote: an idle service no longer asks its store twenty times a
second whether anything is new. What this process has just stored, when it follows on from the
relay's position with no id missing, is handed over from memory (`FreshCached.stored_after`)
rather than read back; anything else, another process's writes first, is read from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Notification, Tracking, TrackingRecorder

from shared.contracts import IntegrationEvent
from shared.observability import tracing
from shared.observability.metrics import EVENTS_PUBLISHED, labelled
from shared.observability.metrics import switch as metrics
from shared.storage.freshcache import FreshCached

log = logging.getLogger(__name__)

Translate = Callable[[DomainEventProtocol[Any]], Sequence[IntegrationEvent]]
# Starts publishing one event (with the W3C trace context it carries on) and gives back its
# acknowledgement, still to be awaited.
Send = Callable[[IntegrationEvent, Mapping[str, str]], Awaitable[Awaitable[object]]]
Window = list[tuple[int, list[Awaitable[object]], list[str]]]


class OutboxRelay:
    """Publishes what the store holds, in notification order, at least once; de-duplicated by id.

    Publishes are pipelined for throughput, but never two events of one aggregate at once, and
    the saved position only passes events whose acknowledgement came back: a failure anywhere
    means those after it are sent again (and de-duplicated), never that one is skipped.
    """

    batch_size = 200
    window_size = 64

    def __init__(self, app: Application[Any], tracking: TrackingRecorder, translate: Translate,
                 send: Send, *, poll_seconds: float = 0.05, fault: str = "",
                 service: str = "", save_every_seconds: float = 0.25) -> None:
        self.app = app
        self.service = service or app.name
        self.tracking = tracking
        self.translate = translate
        self.send = send
        self.poll_seconds = poll_seconds
        self.fault = fault
        self.position_name = f"outbox:{app.name}"
        self.wakeup = asyncio.Event()
        self.saving = threading.Lock()  # held while the position is written; `stop` waits on it
        self.closed = False
        self.save_every_seconds = save_every_seconds
        self.reached: int | None = None  # published up to here (None: not yet read)
        self.saved = 0  # the position last written
        self._saved_at = -float("inf")
        self._listening = False  # woken by this process's stores (`_wake_on_store`)

    def position(self) -> int:
        return self.tracking.max_tracking_id(self.position_name) or 0

    def backlog(self) -> int:
        """Events stored and not yet published (what a stalled relay leaves behind)."""
        reached = self.position() if self.reached is None else self.reached
        return max(0, (self.app.recorder.max_notification_id() or 0) - reached)

    def nudge(self) -> None:
        """Something was just stored: look now rather than at the next poll."""
        self.wakeup.set()

    async def run_forever(self) -> None:
        self._wake_on_store(asyncio.get_running_loop())
        while True:
            # every round, empty ones too, writes the position once it is due (`relay_once`)
            if await self.relay_once() >= self.batch_size:
                continue  # a full round: more may be waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), self.poll_seconds)
            self.wakeup.clear()

    def _wake_on_store(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._listening or not isinstance(self.app, FreshCached):
            return
        self._listening = True

        def stored() -> None:  # in the storing thread, this loop's or a worker's
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to wake
                loop.call_soon_threadsafe(self.wakeup.set)

        self.app.on_store(stored)

    def _save_due(self) -> bool:
        return time.monotonic() - self._saved_at >= self.save_every_seconds

    async def save_reached(self) -> None:
        """Write the position reached, if it is ahead of the one written; then take the one in
        the store if another replica's relay has published further."""
        if self.reached is None:
            return
        if self.reached > self.saved:
            shared = await asyncio.to_thread(self._save, self.reached)
        else:
            shared = await asyncio.to_thread(self.position)
            self._saved_at = time.monotonic()  # looked: due again after the same time
        if shared > self.reached:
            self.reached = self.saved = shared

    async def relay_once(self) -> int:
        if self.reached is None:
            self.reached = self.saved = await asyncio.to_thread(self.position)
        start = self.reached
        notifications: Sequence[Notification] = self._stored_here(start)
        if not notifications:
            notifications = await asyncio.to_thread(
                self.app.recorder.select_notifications, start + 1, self.batch_size)
        progress = _Progress(start)
        try:
            window: Window = []
            in_flight: set[Any] = set()
            for notification in notifications:
                if notification.originator_id in in_flight or len(window) >= self.window_size:
                    await self._settle(window, progress)
                    window, in_flight = [], set()
                domain_event = self._domain_event(notification)
                events = self.translate(domain_event)
                acks = [await self._send(event, domain_event) for event in events]
                window.append((notification.id, acks, [event.event_type() for event in events]))
                if acks:  # a stored event that tells the world nothing holds nothing up
                    in_flight.add(notification.originator_id)
            await self._settle(window, progress)
        finally:
            self.reached = progress.done
            if self._save_due():
                await self.save_reached()
        return progress.done - start

    async def _send(self, event: IntegrationEvent, stored: DomainEventProtocol[Any]
                    ) -> Awaitable[object]:
        """Publish in the trace of the request or message that stored the event."""
        parent = tracing.fields_of(getattr(stored, "meta", None))
        if not parent:
            return await self.send(event, {})
        with tracing.span(f"publish {event.event_type()}", tracing.SpanKind.PRODUCER, parent,
                          {"messaging.system": "nats", "doorstep.event_type": event.event_type(),
                           "doorstep.service": self.service}):
            return await self.send(event, tracing.current_fields())

    def _stored_here(self, start: int) -> list[Notification]:
        """What this process stored just after `start`, without a trip to the store (and a
        thread to make it): at a steady few check-ins a second each is a round of its own."""
        if isinstance(self.app, FreshCached):
            return self.app.stored_after(start, self.batch_size)
        return []

    def _domain_event(self, notification: Notification) -> DomainEventProtocol[Any]:
        if isinstance(self.app, FreshCached):  # what this process just stored, without decoding
            return self.app.stored_event(notification)
        return self.app.mapper.to_domain_event(notification)

    async def _settle(self, window: Window, progress: _Progress) -> None:
        results = await asyncio.gather(*(ack for _, acks, _ in window for ack in acks),
                                       return_exceptions=True)
        outcomes = iter(results)
        for notification_id, acks, types in window:
            for _ in acks:
                outcome = next(outcomes)
                if isinstance(outcome, BaseException):
                    raise outcome
            progress.done = notification_id
            if metrics.on:
                for kind in types:
                    labelled(EVENTS_PUBLISHED, self.service, kind).inc()
        if window and self.fault == "exit-after-publish":
            log.warning("fault injection: exiting after publish, before saving position")
            os._exit(137)

    def _save(self, notification_id: int) -> int:
        """Write the position; the position now in the store (another replica's may be ahead)."""
        with self.saving:
            if self.closed:
                return notification_id  # the store is closed: saved again after the restart
            try:
                self.tracking.insert_tracking(Tracking(self.position_name, notification_id))
            except IntegrityError:
                log.info("another relay replica saved position %s first", notification_id)
            self.saved, self._saved_at = notification_id, time.monotonic()
            return self.position()


class _Progress:
    def __init__(self, done: int) -> None:
        self.done = done
