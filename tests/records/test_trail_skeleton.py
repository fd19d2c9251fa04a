"""The walking skeleton of records: every event heard over real NATS, kept once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from faststream.nats import NatsBroker

from services.records.bootstrap import create_app
from shared.contracts import IntegrationEvent
from shared.messaging.bus import EventPublisher, ensure_stream
from shared.messaging.envelope import to_wire
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until_sync
from shared.testing.sealing import sealer_for
from tests.records.stories import SCHOOL, visit_story

pytestmark = pytest.mark.nats


@pytest.fixture
def settings(make_settings: Any) -> DoorstepSettings:
    settings: DoorstepSettings = make_settings()
    return settings


@pytest.fixture
def records(settings: DoorstepSettings) -> Iterator[TestClient]:
    token = mint_token(settings, user="aud-1", role="dsl", schools=[SCHOOL])
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


async def publisher(settings: DoorstepSettings) -> tuple[NatsBroker, EventPublisher]:
    broker = NatsBroker(settings.nats_url)
    await broker.connect()
    await ensure_stream(broker, settings)
    return broker, EventPublisher(broker, settings)


async def publish_all(settings: DoorstepSettings, events: list[IntegrationEvent]) -> None:
    """Publish each event on the stream, in order, as the services' relays would."""
    broker, publisher_ = await publisher(settings)
    try:
        for event in events:
            await publisher_.publish(event)
    finally:
        await broker.stop()


def wait_for_history(client: TestClient, url: str, count: int, timeout: float = 20.0
                     ) -> list[dict[str, Any]]:
    """The visit's history, once it holds `count` events."""
    answer = until_sync(lambda: client.get(url), f"{count} events in the history", seconds=timeout,
                        every=0.1, show=lambda answer: answer.text,
                        ready=lambda answer: answer.status_code == 200
                        and len(answer.json()["events"]) >= count)
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


async def test_history_lists_every_service_s_events_in_order_with_who_and_why(
        settings: DoorstepSettings, records: TestClient) -> None:
    story = visit_story(sealer=sealer_for(settings))
    await publish_all(settings, story)
    url = f"/v1/schools/{SCHOOL}/visits/{story[0].visit_id}/history"
    history = await asyncio.to_thread(wait_for_history, records, url, len(story))
    assert [e["type"] for e in history] == [e.event_type() for e in story]
    for seen, sent in zip(history, story, strict=True):
        assert seen["event_id"] == str(sent.event_id)
        assert (seen["trust_id"], seen["school_urn"]) == (sent.trust_id, sent.school_urn)
        assert seen["visit_id"] == str(sent.visit_id)
        assert seen["actor"] == {"id": sent.actor.id, "role": str(sent.actor.role)}
        assert seen["correlation_id"] == str(sent.correlation_id)
    assert history[3]["payload"]["address"] == "1 Acacia Avenue"
    assert [e["seq"] for e in history] == sorted(e["seq"] for e in history)


async def test_a_duplicate_delivery_is_kept_once(settings: DoorstepSettings,
                                                 records: TestClient) -> None:
    story = visit_story()[:2]
    broker, events = await publisher(settings)
    try:
        await events.publish(story[0])
        assert await events.publish(story[0]) is True  # JetStream de-duplicates by Nats-Msg-Id
        # the same event again under another message id: the stream keeps it, records must not
        wire = to_wire(story[0], root=settings.subject_root)
        headers = {**wire.headers, "Nats-Msg-Id": str(uuid4())}
        await broker.publish(wire.body, wire.subject, headers=headers,
                             stream=settings.stream_name)
        await events.publish(story[1])
    finally:
        await broker.stop()
    url = f"/v1/schools/{SCHOOL}/visits/{story[0].visit_id}/history"
    history = await asyncio.to_thread(wait_for_history, records, url, 2)
    await asyncio.sleep(0.5)
    history = records.get(url).json()["events"]
    assert [e["event_id"] for e in history] == [str(story[0].event_id), str(story[1].event_id)]


def test_a_visit_the_trail_has_not_heard_of_has_an_empty_history(records: TestClient) -> None:
    answer = records.get(f"/v1/schools/{SCHOOL}/visits/{uuid4()}/history")
    assert answer.status_code == 200
    assert answer.json()["events"] == []


def test_history_needs_a_token_that_covers_the_school(records: TestClient) -> None:
    other = records.get(f"/v1/schools/654321/visits/{uuid4()}/history")
    assert other.status_code == 403
    anonymous = records.get(f"/v1/schools/{SCHOOL}/visits/{uuid4()}/history",
                            headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_health_is_ready_with_store_and_nats(records: TestClient) -> None:
    answer = records.get("/health")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ready"
