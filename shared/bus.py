"""The event bus: one JetStream stream, publishing with de-duplication, durable subscribers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contracts import IntegrationEvent
from shared.envelope import EnvelopeError, from_wire, to_wire
from shared.settings import DoorstepSettings

log = logging.getLogger(__name__)

Handler = Callable[[IntegrationEvent], Awaitable[None]]
RecordRefusal = Callable[[str, int, str, str, dict[str, str], bytes], None]


class Refuse(Exception):
    """Raised by a handler for a message that can never be processed: it is recorded and refused."""


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

    def __init__(self, broker: NatsBroker, settings: DoorstepSettings, source: str) -> None:
        self.broker = broker
        self.settings = settings
        self.source = source
        self._js: Any = None

    async def publish(self, event: IntegrationEvent) -> bool:
        """Publish; True when JetStream already had it (a duplicate within the window)."""
        wire = to_wire(event, root=self.settings.subject_root, source=self.source)
        ack = await self.broker.publish(
            wire.body, wire.subject, headers=wire.headers,
            stream=self.settings.stream_name, timeout=5.0,
        )
        return bool(ack.duplicate)

    async def send(self, event: IntegrationEvent) -> Awaitable[object]:
        """Start publishing without waiting for the acknowledgement (the relay's pipeline)."""
        wire = to_wire(event, root=self.settings.subject_root, source=self.source)
        if self._js is None:  # one context: it keeps a single inbox for every pending ack
            self._js = self.broker.connection.jetstream(publish_async_max_pending=2000)
        ack: Awaitable[object] = await self._js.publish_async(
            wire.subject, wire.body, headers=wire.headers, stream=self.settings.stream_name)
        return ack


@dataclass
class Subscription:
    """A durable consumer: which events it takes (by type) and what to do with each."""

    durable: str
    subject_filter: str  # relative to the root, e.g. "events.*.*.authorisation.*"
    handlers: Mapping[type[IntegrationEvent], Handler]
    max_ack_pending: int = 1  # in order, one at a time: redelivery cannot reorder
    max_deliveries: int = 10
    ack_wait_seconds: float = 30.0
    batch_size: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def register(broker: NatsBroker, settings: DoorstepSettings, subscription: Subscription,
             record_refusal: RecordRefusal) -> None:
    """Attach one durable pull consumer to the broker (before it starts)."""
    stream = settings.stream_name

    async def on_message(msg: NatsMessage) -> None:
        raw = msg.raw_message
        metadata = raw.metadata
        sequence = metadata.sequence.stream
        headers = dict(raw.headers or {})
        try:
            event = from_wire(headers, raw.data)
            handler = subscription.handlers.get(type(event))
            if handler is not None:
                await handler(event)
        except (EnvelopeError, Refuse) as error:
            await asyncio.to_thread(record_refusal, stream, sequence, raw.subject, str(error),
                                    headers, raw.data)
            log.warning("refused message %s on %s: %s", sequence, raw.subject, error)
            await msg.reject()
            return
        except Exception as error:
            if metadata.num_delivered >= subscription.max_deliveries:
                reason = f"failed {metadata.num_delivered} times: {error!r}"
                await asyncio.to_thread(record_refusal, stream, sequence, raw.subject, reason,
                                        headers, raw.data)
                log.error("gave up on message %s on %s: %s", sequence, raw.subject, reason)
                await msg.reject()
                return
            log.warning("will retry message %s on %s: %r", sequence, raw.subject, error)
            await msg.nack(delay=min(30.0, 0.5 * 2 ** metadata.num_delivered))
            return
        await msg.ack()

    broker.subscriber(
        f"{settings.subject_root}.{subscription.subject_filter}",
        stream=JStream(stream, declare=False),
        durable=f"{settings.subject_root}-{subscription.durable}",
        pull_sub=PullSub(batch_size=subscription.batch_size, timeout=1.0),
        config=ConsumerConfig(
            max_ack_pending=subscription.max_ack_pending,
            ack_wait=subscription.ack_wait_seconds,
            deliver_policy=DeliverPolicy.ALL,
            **subscription.extra,
        ),
        ack_policy=AckPolicy.MANUAL,
    )(on_message)
