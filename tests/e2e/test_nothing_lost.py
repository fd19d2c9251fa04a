"""Crashes between storing and publishing lose nothing and publish nothing twice."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from shared.runtime.launcher import ServiceProcess
from shared.testing.http import client_for
from shared.testing.polling import until
from shared.testing.wire import EventTap
from tests.visits.stories import URN, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def restart(process: ServiceProcess, **env: str) -> None:
    process.env.update(env)
    process.start()
    process.wait_ready()


async def history(url: str, settings, visit_id: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    async with client_for(settings, url, user="auditor-1", role="auditor", schools=[URN]) as c:
        response = await c.get(f"/v1/schools/{URN}/visits/{visit_id}/history")
        assert response.status_code == 200, response.text
        body = response.json()
        return body["events"] if isinstance(body, dict) else body  # type: ignore[no-any-return]


async def wait_history(url: str, settings, visit_id: str, count: int) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return await until(lambda: history(url, settings, visit_id), f"{count} events in the history",
                       every=0.1, ready=lambda events: len(events) >= count)


def visits_and_records(make_cluster, settings, **visits_env: str):  # type: ignore[no-untyped-def]
    """Visits (with a fault switched on) and records, started; records is the history to read."""
    cluster = make_cluster(settings, names=("visits", "records"), start=False)
    cluster["visits"].env.update(visits_env)
    cluster.start()
    return cluster["visits"], cluster["records"]


async def request_visit(settings, visits: ServiceProcess) -> str:  # type: ignore[no-untyped-def]
    staff = client_for(settings, visits.url, user="staff-0001", role="staff", schools=[URN])
    async with staff:
        created = await staff.post(f"/v1/schools/{URN}/visits", json=visit_request(["s1"]))
    assert created.status_code == 201
    visit_id: str = created.json()["visit_id"]
    return visit_id


async def test_killed_after_storing_before_publishing_publishes_once(make_settings,
                                                                    make_cluster) -> None:
    settings = make_settings()
    # stored, but not yet published
    visits, records = visits_and_records(make_cluster, settings, DOORSTEP_RELAY_HOLD="true")
    async with EventTap(settings) as tap:
        visit_id = await request_visit(settings, visits)
        await asyncio.sleep(1.0)
        assert tap.of_type("VisitRequested") == [], "held relay must not have published"

        visits.kill()
        restart(visits, DOORSTEP_RELAY_HOLD="false")
        await tap.wait_for_type("VisitRequested")
        events = await wait_history(records.url, settings, visit_id, 1)
        await asyncio.sleep(1.0)  # room for a duplicate to show itself
        assert [str(e.visit_id) for e in tap.of_type("VisitRequested")] == [visit_id]
        assert len(await history(records.url, settings, visit_id)) == len(events) == 1


async def test_killed_after_publishing_before_saving_position_publishes_once(make_settings,
                                                                            make_cluster) -> None:
    settings = make_settings()
    visits, records = visits_and_records(make_cluster, settings, DOORSTEP_FAULT="exit-after-publish")
    async with EventTap(settings) as tap:
        visit_id = await request_visit(settings, visits)
        assert visits.process is not None
        assert visits.process.wait(timeout=10) == 137  # died after publishing, position unsaved

        restart(visits, DOORSTEP_FAULT="")  # republishes the same event id
        await wait_history(records.url, settings, visit_id, 1)
        await asyncio.sleep(1.5)  # room for a duplicate to show itself
        assert [str(e.visit_id) for e in tap.of_type("VisitRequested")] == [visit_id]
        assert len(await history(records.url, settings, visit_id)) == 1


def test_health_is_ready_only_with_store_and_nats(make_settings, make_cluster) -> None:
    settings = make_settings()
    visits = make_cluster(settings, names=("visits",))["visits"]
    health = httpx.get(f"{visits.url}/health").json()
    assert health == {"service": "visits", "status": "ready",
                      "checks": {"store": True, "nats": True, "directory": True,
                                 "register": True}}
