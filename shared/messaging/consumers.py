"""Durable JetStream consumers: taken in stream order, handled in order per key.

Each service's consumer is a durable pull consumer on the one stream. Its messages come through
pull requests kept open ahead of them (`shared/messaging/pulling.py`) and are handed, in
stream order, to an `OrderedByKey` dispatcher (one worker per trust, or per visit). faststream's
own pull subscriber handles a batch's messages concurrently, which would break the order a trail
needs, so the requests go out on the broker's nats-py connection directly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.contracts import EVENT_TYPES, IntegrationEvent
from shared.messaging.envelope import TYPE_PREFIX, EnvelopeError, from_wire, trace_of
from shared.messaging.ordered import GiveUp, KeyOf, OrderedByKey, Refuse, RetryPolicy, by_trust
from shared.messaging.pulling import PullStream
from shared.observability import tracing
from shared.observability.metrics import EVENTS_HANDLED, labelled
from shared.observability.metrics import switch as metrics
from shared.runtime.settings import DoorstepSettings

log = logging.getLogger(__name__)

Handler = Callable[[IntegrationEvent], Awaitable[None]]
RecordRefusal = Callable[[str, int, str, str, dict[str, str], bytes], None]


@dataclass
class Subscription:
    """A durable consumer: which events it takes (by type), what to do with each, and in what
    order: in stream order per key (the trust by default), in parallel across keys."""

    durable: str
    subject_filter: str  # relative to the root, e.g. "events.*.*.authorisation.*"
    handlers: Mapping[type[IntegrationEvent], Handler]
    key_of: KeyOf = by_trust
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    on_give_up: GiveUp | None = None  # besides recording the refusal (records: a trail entry)
    # Takes a key's queued events at once (records: one trail transaction per trust and batch).
    batch_handler: Callable[[list[IntegrationEvent]], Awaitable[None]] | None = None
    rewind_on_start: bool = True  # strict stream order per key across a restart (no replicas)
    max_ack_pending: int = 512
    ack_wait_seconds: float = 60.0
    batch_size: int = 64
    extra: dict[str, Any] = field(default_factory=dict)

    def filters(self, root: str) -> list[str]:
        """The subjects the server delivers: a filter for any type of one aggregate
        (`...visit.*`) is narrowed to the types handled, so a consumer is never sent (nor
        decodes) the events it has no handler for; authorisation hears no check-ins."""
        head, _, last = self.subject_filter.rpartition(".")
        if last != "*" or not self.handlers:
            return [f"{root}.{self.subject_filter}"]
        return sorted({f"{root}.{head}.{kind.event_type()}" for kind in self.handlers})


class Consumer:
    def __init__(self, settings: DoorstepSettings, subscription: Subscription,
                 record_refusal: RecordRefusal) -> None:
        self.settings = settings
        self.subscription = subscription
        self.record_refusal = record_refusal
        self.durable = f"{settings.subject_root}-{subscription.durable}"
        self.ordered = OrderedByKey(
            self._process, self._give_up, subscription.key_of, subscription.retry,
            process_batch=self._process_batch if subscription.batch_handler else None)
        self._pulling: PullStream | None = None

    async def start(self, connection: Client) -> None:
        if self.subscription.rewind_on_start:
            await self.rewind_to_ack_floor(connection)
        await self._make_or_bring_up_to_date(connection)
        self._pulling = PullStream(connection, self.settings.stream_name, self.durable,
                                   self.ordered.accept, batch=self.subscription.batch_size)
        await self._pulling.start()

    async def _make_or_bring_up_to_date(self, connection: Client) -> None:
        """The durable consumer, made with this subscription's settings if it is not there yet;
        one made by an older release keeps its place but takes today's limits."""
        jsm = connection.jsm()
        filters = self.subscription.filters(self.settings.subject_root)
        try:
            info = await jsm.consumer_info(self.settings.stream_name, self.durable)
        except NotFoundError:
            await self._make(connection, filters)
            return
        config = info.config
        wanted = (self.subscription.max_ack_pending, self.subscription.ack_wait_seconds, filters)
        if (config.max_ack_pending, config.ack_wait, _filters_of(config)) != wanted:
            config.max_ack_pending, config.ack_wait = wanted[:2]
            for name, value in _filtered(filters).items():
                setattr(config, name, value)
            await jsm.add_consumer(self.settings.stream_name, config=config)

    async def _make(self, connection: Client, filters: list[str]) -> None:
        await connection.jsm().add_consumer(self.settings.stream_name, config=ConsumerConfig(
            name=self.durable, durable_name=self.durable,
            max_ack_pending=self.subscription.max_ack_pending,
            ack_wait=self.subscription.ack_wait_seconds, ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL, **_filtered(filters), **self.subscription.extra))

    async def _process(self, raw: Msg) -> None:
        event = self._read(raw)
        handler = self.subscription.handlers.get(type(event))
        if handler is not None:
            with tracing.span(*self._span_of(event, raw)):
                await handler(event)
            self._count([event], "handled")

    async def _process_batch(self, batch: list[Msg]) -> None:
        assert self.subscription.batch_handler is not None
        events = [self._read(raw) for raw in batch]  # one unreadable: each on its own instead
        wanted = [(event, raw) for event, raw in zip(events, batch, strict=True)
                  if type(event) in self.subscription.handlers]
        if not wanted:
            return
        spans = [tracing.started(*self._span_of(event, raw)) for event, raw in wanted]
        try:
            await self.subscription.batch_handler([event for event, _ in wanted])
        except BaseException as error:
            tracing.finish(spans, error)
            raise
        tracing.finish(spans)
        self._count([event for event, _ in wanted], "handled")

    def _span_of(self, event: IntegrationEvent, raw: Msg
                 ) -> tuple[str, tracing.SpanKind, dict[str, str], dict[str, str]]:
        """Each message handled continues the trace it carries (ce-traceparent)."""
        return (f"{self.subscription.durable} {event.event_type()}", tracing.SpanKind.CONSUMER,
                trace_of(raw.headers), {"messaging.system": "nats",
                                        "messaging.consumer.group.name": self.subscription.durable,
                                        "doorstep.event_type": event.event_type()})

    def _count(self, events: list[IntegrationEvent], outcome: str) -> None:
        if metrics.on:
            for event in events:
                labelled(EVENTS_HANDLED, self.subscription.durable, event.event_type(),
                         outcome).inc()

    def _read(self, raw: Msg) -> IntegrationEvent:
        try:
            event = from_wire(dict(raw.headers or {}), raw.data)
        except EnvelopeError as error:
            raise Refuse(str(error)) from error
        expected = event.subject(self.settings.subject_root)
        if raw.subject != expected:  # permissions are by subject: the two must agree
            raise Refuse(f"published on {raw.subject} but the event belongs on {expected}")
        source = (raw.headers or {}).get("ce-source", "")
        if source != event.origin():  # only the owning service speaks for its aggregate
            raise Refuse(f"{event.event_type()} comes from {event.origin()}, not {source!r}")
        return event

    async def _give_up(self, raw: Msg, reason: str) -> None:
        if metrics.on:
            named = (raw.headers or {}).get("ce-type", "").removeprefix(TYPE_PREFIX)
            EVENTS_HANDLED.labels(self.subscription.durable,
                                  named if named in EVENT_TYPES else "unreadable", "refused").inc()
        await asyncio.to_thread(self.record_refusal, self.settings.stream_name,
                                raw.metadata.sequence.stream, raw.subject, reason,
                                dict(raw.headers or {}), raw.data)
        if self.subscription.on_give_up is not None:
            await self.subscription.on_give_up(raw, reason)

    async def rewind_to_ack_floor(self, connection: Client) -> int | None:
        """Put a consumer that a crash left with unacknowledged messages back at its
        acknowledgement floor, so they come again first and in stream order (otherwise they
        would come back after their ack wait, behind newer ones). Messages past the floor that
        were acknowledged come again too: handling is idempotent. Returns where it starts."""
        jsm = connection.jsm()
        try:
            info = await jsm.consumer_info(self.settings.stream_name, self.durable)
        except NotFoundError:
            return None
        if not info.num_ack_pending:
            return None
        start = (info.ack_floor.stream_seq if info.ack_floor else 0) + 1
        config = info.config
        config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
        config.opt_start_seq = start
        await jsm.delete_consumer(self.settings.stream_name, self.durable)
        await jsm.add_consumer(self.settings.stream_name, config=config)
        log.warning("consumer %s had %d unacknowledged messages: rewound to stream sequence %d",
                    self.durable, info.num_ack_pending, start)
        return start

    async def close(self) -> None:
        if self._pulling is not None:
            await self._pulling.stop()
        await self.ordered.close()


def _filtered(filters: list[str]) -> dict[str, Any]:
    """One filter is `filter_subject`; several are `filter_subjects` (nats-server 2.10+)."""
    one = len(filters) == 1
    return {"filter_subject": filters[0] if one else None,
            "filter_subjects": None if one else filters}


def _filters_of(config: ConsumerConfig) -> list[str]:
    return sorted(config.filter_subjects or ([config.filter_subject] if config.filter_subject
                                             else []))
