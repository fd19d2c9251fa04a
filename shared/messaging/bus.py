"""The event bus: one JetStream stream, publishing with de-duplication, durable subscribers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from faststream.nats import NatsBroker
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contracts import IntegrationEvent
from shared.messaging.consumers import Consumer, Handler, Subscription
from shared.messaging.envelope import to_wire
from shared.messaging.ordered import Refuse, RetryPolicy
from shared.runtime.settings import DoorstepSettings

log = logging.getLogger(__name__)

__all__ = ["Consumer", "EventPublisher", "Handler", "Refuse", "RetryPolicy", "Subscription",
           "ensure_stream"]


def stream_config(settings: DoorstepSettings) -> StreamConfig:
    """The domain-event stream. Court-safe: nothing on it may be deleted or purged."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=[f"{settings.subject_root}.events.>"],
        storage=StorageType.FILE,
        num_replicas=settings.stream_replicas,
        duplicate_window=settings.duplicate_window_seconds,
        deny_delete=True,
        deny_purge=True,
        allow_direct=True,
    )


async def ensure_stream(broker: NatsBroker, settings: DoorstepSettings) -> None:
    """Create the stream, or bring an existing one to this configuration. Safe to repeat."""
    jsm = broker.connection.jsm()
    config = stream_config(settings)
    try:
        await jsm.stream_info(settings.stream_name)
    except NotFoundError:
        try:
            await jsm.add_stream(config)
            return
        except Exception:  # another service created it first: fall through to update
            log.info("stream %s created concurrently; updating", config.name)
    await jsm.update_stream(config)


class EventPublisher:
    """Publishes integration events as CloudEvents, each with Nats-Msg-Id = event id."""

    def __init__(self, broker: NatsBroker, settings: DoorstepSettings,
                 source: str | None = None) -> None:
        self.broker = broker
        self.settings = settings
        self.source = source
        self._js: Any = None

    async def publish(self, event: IntegrationEvent, trace: Mapping[str, str] | None = None
                      ) -> bool:
        """Publish; True when JetStream already had it (a duplicate within the window)."""
        wire = to_wire(event, root=self.settings.subject_root, source=self.source, trace=trace)
        ack = await self.broker.publish(
            wire.body, wire.subject, headers=wire.headers,
            stream=self.settings.stream_name, timeout=5.0,
        )
        return bool(ack.duplicate)

    async def send(self, event: IntegrationEvent, trace: Mapping[str, str] | None = None
                   ) -> Awaitable[object]:
        """Start publishing without waiting for the acknowledgement (the relay's pipeline);
        `trace` is the W3C trace context the message carries on."""
        wire = to_wire(event, root=self.settings.subject_root, source=self.source, trace=trace)
        if self._js is None:  # one context: it keeps a single inbox for every pending ack
            self._js = self.broker.connection.jetstream(publish_async_max_pending=2000)
        ack: Awaitable[object] = await self._js.publish_async(
            wire.subject, wire.body, headers=wire.headers, stream=self.settings.stream_name)
        return ack
