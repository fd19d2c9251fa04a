"""A consumer is sent only the event types it handles: authorisation hears no check-ins, so a
busy afternoon of check-ins costs it nothing. A durable consumer made by an older release, with
the wide filter, is narrowed in place and keeps its position."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import nats
import pytest
from faststream.nats import NatsBroker

from shared.contracts import IntegrationEvent
from shared.contracts.visits import Arrived
from shared.messaging.bus import Consumer, Subscription, ensure_stream
from shared.runtime.settings import DoorstepSettings
from shared.testing.polling import until
from tests.escalation.story import Visit
from tests.robustness.test_trail_never_stalls import Bus

pytestmark = [pytest.mark.nats]


def arrivals_only(heard: list[IntegrationEvent]) -> Subscription:
    async def on_arrived(event: IntegrationEvent) -> None:
        heard.append(event)

    return Subscription(durable="arrivals", subject_filter="events.*.*.visit.*",
                        handlers={Arrived: on_arrived})


async def publish_a_visit(settings: DoorstepSettings, check_ins: int) -> Visit:
    visit = Visit()
    async with Bus(settings) as bus:
        await bus.publish(visit.departed(arrive_in=timedelta(minutes=5),
                                         back_in=timedelta(hours=1)))
        await bus.publish(visit.arrived())
        for sequence in range(1, check_ins + 1):
            await bus.publish(visit.checked_in(sequence))
    return visit


async def consumer_info(settings: DoorstepSettings, durable: str) -> object:
    client = await nats.connect(settings.nats_servers)
    try:
        return await client.jsm().consumer_info(settings.stream_name, durable)
    finally:
        await client.close()


@asynccontextmanager
async def running(settings: DoorstepSettings, subscription: Subscription
                  ) -> AsyncIterator[Consumer]:
    broker = NatsBroker(settings.nats_servers)
    await broker.connect()
    await ensure_stream(broker, settings)
    consumer = Consumer(settings, subscription, record)
    await consumer.start(broker.connection)
    try:
        yield consumer
    finally:
        await consumer.close()
        await broker.stop()


def record(*_: object) -> None:
    raise AssertionError("nothing here should be refused")


async def test_a_consumer_is_never_sent_the_check_ins_it_does_not_handle(make_settings) -> None:
    settings = make_settings()
    heard: list[IntegrationEvent] = []
    subscription = arrivals_only(heard)
    assert subscription.filters(settings.subject_root) == [
        f"{settings.subject_root}.events.*.*.visit.Arrived"]
    async with running(settings, subscription) as consumer:
        visit = await publish_a_visit(settings, check_ins=20)
        await until(lambda: len(heard) == 1, "the arrival", seconds=30)
        await asyncio.sleep(0.3)
        info = await consumer_info(settings, consumer.durable)
    assert [type(event) for event in heard] == [Arrived]
    assert heard[0].visit_id == visit.visit_id
    # 22 events were published; the server delivered one, and holds nothing back for it
    assert info.delivered.consumer_seq == 1  # type: ignore[attr-defined]
    assert info.num_pending == 0  # type: ignore[attr-defined]


async def test_an_older_wide_consumer_is_narrowed_and_keeps_its_place(make_settings) -> None:
    settings = make_settings()
    heard: list[IntegrationEvent] = []
    wide = Subscription(durable="arrivals", subject_filter="events.>",  # as an old release made it
                        handlers=arrivals_only(heard).handlers)
    async with running(settings, wide):
        first = await publish_a_visit(settings, check_ins=3)
        await until(lambda: len(heard) == 1, "the first visit's arrival", seconds=30)
        await asyncio.sleep(0.3)  # the check-ins after it are taken (and passed over) too

    second = await publish_a_visit(settings, check_ins=3)  # while no consumer runs
    async with running(settings, arrivals_only(heard)) as narrowed:
        await until(lambda: len(heard) == 2, "the second visit's arrival", seconds=30)
        await asyncio.sleep(0.3)
        info = await consumer_info(settings, narrowed.durable)
    assert [event.visit_id for event in heard] == [first.visit_id, second.visit_id]
    config = info.config  # type: ignore[attr-defined]
    assert (config.filter_subject or config.filter_subjects) in (
        f"{settings.subject_root}.events.*.*.visit.Arrived",
        [f"{settings.subject_root}.events.*.*.visit.Arrived"])
