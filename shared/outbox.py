"""The outbox relay: follows a service's notification log and publishes each event once.

Position is tracked in the service's own store. A crash after publishing and before the
position is saved republishes with the same Nats-Msg-Id, which JetStream de-duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Notification, Tracking, TrackingRecorder

from shared.contracts import IntegrationEvent

log = logging.getLogger(__name__)

Translate = Callable[[DomainEventProtocol[Any]], Sequence[IntegrationEvent]]
Publish = Callable[[IntegrationEvent], Awaitable[object]]


class OutboxRelay:
    """Publishes what the store holds, in notification order, at least once; de-duplicated by id."""

    batch_size = 200

    def __init__(self, app: Application[Any], tracking: TrackingRecorder, translate: Translate,
                 publish: Publish, *, poll_seconds: float = 0.05, fault: str = "") -> None:
        self.app = app
        self.tracking = tracking
        self.translate = translate
        self.publish = publish
        self.poll_seconds = poll_seconds
        self.fault = fault
        self.position_name = f"outbox:{app.name}"
        self.wakeup = asyncio.Event()

    def position(self) -> int:
        return self.tracking.max_tracking_id(self.position_name) or 0

    def nudge(self) -> None:
        """Something was just stored: look now rather than at the next poll."""
        self.wakeup.set()

    async def run_forever(self) -> None:
        while True:
            published = await self.relay_once()
            if not published:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), self.poll_seconds)
                self.wakeup.clear()

    async def relay_once(self) -> int:
        position = await asyncio.to_thread(self.position)
        notifications: Sequence[Notification] = await asyncio.to_thread(
            self.app.recorder.select_notifications, position + 1, self.batch_size
        )
        for notification in notifications:
            domain_event = self.app.mapper.to_domain_event(notification)
            for integration_event in self.translate(domain_event):
                await self.publish(integration_event)
            if self.fault == "exit-after-publish":
                log.warning("fault injection: exiting after publish, before saving position")
                os._exit(137)
        if notifications:
            last = Tracking(self.position_name, notifications[-1].id)
            try:
                await asyncio.to_thread(self.tracking.insert_tracking, last)
            except IntegrityError:
                log.info("another relay replica saved position %s first", last.notification_id)
        return len(notifications)
