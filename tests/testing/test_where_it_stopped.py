"""A failing story names where an event stopped: the stream's subjects, each consumer's place."""

from __future__ import annotations

import nats
import pytest
from faststream.nats import NatsBroker
from nats.js.api import ConsumerConfig

from shared.messaging.bus import ensure_stream
from shared.runtime.settings import DoorstepSettings
from shared.testing.wire import where_it_stopped

pytestmark = pytest.mark.nats


async def test_it_names_the_subjects_and_what_each_consumer_has_not_taken(make_settings) -> None:
    settings: DoorstepSettings = make_settings()
    broker = NatsBroker(settings.nats_url)
    await broker.connect()
    try:
        await ensure_stream(broker, settings)
    finally:
        await broker.stop()
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        subject = f"{settings.subject_root}.events.t.123456.visit.VisitRequested"
        await js.add_consumer(settings.stream_name, ConsumerConfig(durable_name="slow-reader"))
        await js.publish(subject, b"{}", stream=settings.stream_name)
    finally:
        await nc.close()
    said = await where_it_stopped(settings)
    assert f"'{subject}': 1" in said
    assert "slow-reader: delivered 0, ack floor 0, pending 1, awaiting ack 0" in said
