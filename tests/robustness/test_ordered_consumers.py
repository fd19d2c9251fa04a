"""Every consumer: a message that fails for good is retried, recorded and passed, holding up only its
own trust; the trust's later messages follow it in order."""

from __future__ import annotations

import time

import pytest
from faststream.nats import NatsBroker

from shared.contracts import IntegrationEvent
from shared.contracts.records import SafeguardingConcernRaised
from shared.messaging.bus import Consumer, RetryPolicy, Subscription, ensure_stream
from shared.testing.polling import until
from tests.robustness.test_trail_never_stalls import Bus, concern

pytestmark = [pytest.mark.nats]


async def test_a_message_that_always_fails_holds_up_only_its_trust(make_settings) -> None:
    settings = make_settings()
    handled: list[tuple[str, str, float]] = []
    refused: list[tuple[str, str, float]] = []

    async def handle(event: IntegrationEvent) -> None:
        assert isinstance(event, SafeguardingConcernRaised)
        if event.concern_id == "always-fails":
            raise RuntimeError("projection broke")
        handled.append((event.trust_id, event.concern_id, time.monotonic()))

    def record(stream: str, sequence: int, subject: str, reason: str, headers: dict[str, str],
               body: bytes) -> None:
        refused.append((subject, reason, time.monotonic()))

    subscription = Subscription(durable="probe", subject_filter="events.>",
                                handlers={SafeguardingConcernRaised: handle},
                                retry=RetryPolicy(attempts=3, first_delay=0.3))
    broker = NatsBroker(settings.nats_servers)
    consumer = Consumer(settings, subscription, record)
    await broker.connect()
    await ensure_stream(broker, settings)
    await consumer.start(broker.connection)
    try:
        async with Bus(settings) as bus:
            for event in (concern("t1", "always-fails"), concern("t1", "next-in-t1"),
                          concern("t2", "meanwhile-in-t2")):
                await bus.publish(event)
            published = time.monotonic()
            await until(lambda: len(handled) == 2, "two concerns handled", seconds=20)
    finally:
        await consumer.close()
        await broker.stop()

    by_concern = {concern_id: (trust, at) for trust, concern_id, at in handled}
    assert set(by_concern) == {"next-in-t1", "meanwhile-in-t2"}
    assert by_concern["meanwhile-in-t2"][1] - published < 0.5  # t2 never waited for t1's retries
    assert len(refused) == 1
    subject, reason, refused_at = refused[0]
    assert subject.endswith("t1.123456.concern.SafeguardingConcernRaised")
    assert reason == "failed 3 times: RuntimeError('projection broke')"
    assert refused_at - published >= 0.3 + 0.6 - 0.05  # retried with backoff first
    assert by_concern["next-in-t1"][1] > refused_at  # and t1's next message kept its place
