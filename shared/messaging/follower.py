"""Some of the stream, read from its start into memory at start-up, then followed as it grows.

For small, slowly changing facts that every service must know before it answers anyone (the
school directory, each school's staff register): an ordered consumer of this process's own,
nothing acknowledged or stored. `ready` is set once everything published before start-up has
been taken. An event is taken only from the service that owns its aggregate (`ce-source`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.contracts import IntegrationEvent
from shared.messaging.envelope import EnvelopeError, from_wire
from shared.runtime.settings import DoorstepSettings

log = logging.getLogger(__name__)


class StreamFollower:
    """Feeds `take` every event of one aggregate, from the start of the stream, in order."""

    def __init__(self, aggregate: str, take: Callable[[IntegrationEvent], None]) -> None:
        self.aggregate = aggregate
        self.take = take
        self.ready = asyncio.Event()
        self._subscription: Any = None

    async def start(self, connection: Client, settings: DoorstepSettings,
                    wait_seconds: float = 60.0) -> None:
        """Subscribe, and return once everything published so far has been taken; from then on
        each change is taken as it is published. An ordered push consumer needs no more than
        the read-only pages' NATS permissions."""
        js = connection.jetstream()
        subject = f"{settings.subject_root}.events.*.*.{self.aggregate}.>"
        info = await js.stream_info(settings.stream_name, subjects_filter=subject)
        if not sum((info.state.subjects or {}).values()):
            self.ready.set()
        self._subscription = await js.subscribe(
            subject, cb=self._heard, ordered_consumer=True, stream=settings.stream_name,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
        await asyncio.wait_for(self.ready.wait(), wait_seconds)

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()

    async def _heard(self, message: Msg) -> None:
        try:
            self._take(message)
        finally:
            with contextlib.suppress(Exception):
                if message.metadata.num_pending == 0:
                    self.ready.set()

    def _take(self, message: Msg) -> None:
        try:
            event = from_wire(dict(message.headers or {}), message.data)
        except EnvelopeError as error:
            log.warning("unreadable %s change on %s: %s", self.aggregate, message.subject, error)
            return
        source = (message.headers or {}).get("ce-source")
        if event.aggregate == self.aggregate and source == event.origin():
            self.take(event)
