"""The records service as a real process on real NATS: crashes lose nothing, replay as of a time."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from faststream.nats import NatsBroker

from shared.contracts import IntegrationEvent
from shared.messaging.bus import EventPublisher, ensure_stream
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until_sync
from shared.testing.sealing import sealer_for
from tests.records.stories import SCHOOL, TRUST, visit_story

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def auditor(settings: DoorstepSettings, base_url: str) -> httpx.Client:
    token = mint_token(settings, user="aud-1", role="auditor", schools=[], trust=TRUST)
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                        timeout=15)


async def publish_all(settings: DoorstepSettings, events: list[IntegrationEvent],
                      on_each: Any = None) -> None:
    broker = NatsBroker(settings.nats_url)
    await broker.connect()
    await ensure_stream(broker, settings)
    publisher = EventPublisher(broker, settings)
    try:
        for index, event in enumerate(events):
            await publisher.publish(event)
            if on_each:
                await on_each(index)
    finally:
        await broker.stop()


def wait_for_count(client: httpx.Client, count: int, timeout: float = 60.0) -> dict[str, Any]:
    """The trail's verdict, once it holds `count` entries."""
    answer = until_sync(lambda: client.get("/v1/audit/verify"), f"{count} entries in the trail",
                        seconds=timeout, every=0.2, show=lambda answer: answer.text,
                        ready=lambda answer: answer.status_code == 200
                        and answer.json()["count"] >= count)
    verdict: dict[str, Any] = answer.json()
    return verdict


async def test_records_killed_and_restarted_under_a_stream_ends_with_every_event_once_in_order(
        make_settings: Any, make_cluster: Any) -> None:
    settings: DoorstepSettings = make_settings()
    stories = [visit_story() for _ in range(20)]
    # interleave the visits, as a busy morning would
    events = [story[i] for i in range(len(stories[0])) for story in stories]
    cluster = make_cluster(settings, names=("records",))
    records = cluster["records"]

    async def crash_midway(index: int) -> None:
        if index == len(events) // 3:
            await asyncio.to_thread(records.kill)
        if index == 2 * len(events) // 3:
            records.start()
            await asyncio.to_thread(records.wait_ready)

    await publish_all(settings, events, crash_midway)
    with auditor(settings, records.url) as client:
        verdict = await asyncio.to_thread(wait_for_count, client, len(events))
        assert verdict["intact"], verdict.get("finding")
        assert verdict["count"] == len(events)  # every event once: no more, no fewer
        for story in stories:
            visit = story[0].visit_id
            history = client.get(f"/v1/schools/{SCHOOL}/visits/{visit}/history").json()["events"]
            assert [e["event_id"] for e in history] == [str(e.event_id) for e in story]


async def test_history_as_of_a_time_in_the_middle_shows_what_had_happened_by_then(
        make_settings: Any, make_cluster: Any) -> None:
    settings: DoorstepSettings = make_settings()
    story = visit_story(sealer=sealer_for(settings))
    cluster = make_cluster(settings, names=("records",))
    await publish_all(settings, story)
    url = f"/v1/schools/{SCHOOL}/visits/{story[0].visit_id}/history"
    with auditor(settings, cluster["records"].url) as client:
        await asyncio.to_thread(wait_for_count, client, len(story))
        now = client.get(url).json()["events"]
        assert [e["type"] for e in now] == [e.event_type() for e in story]
        middle = story[5].occurred_at  # the first check-in
        then = client.get(url, params={"as_of": middle.isoformat()}).json()["events"]
        assert [e["type"] for e in then] == [e.event_type() for e in story[:6]]
        page = client.get(url, params={"format": "html"})
        assert page.status_code == 200
        assert "CheckInMissed" in page.text
        assert "1 Acacia Avenue" in page.text
        assert client.get(url, params={"as_of": "yesterday"}).status_code == 422
