"""One visit through all four services, as real processes on a real nats-server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared.runtime.settings import DoorstepSettings
from shared.testing.http import client_for
from shared.testing.polling import until
from shared.testing.servers import drop_schemas
from shared.testing.wire import where_it_stopped
from tests.visits.stories import URN, sign_out, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
STAFF = ["staff-0001", "staff-0002"]
# The test runs at any hour: outside school hours the trust default needs a responsible contact.
AUTHORISE = {"decision": "authorise", "responsible_contact": "head-0001",
             "out_of_hours_reason": "the only time the family can be seen"}
STORY = ["VisitRequested", "RiskAssessed", "VisitAuthorised", "Departed", "Arrived", "CheckedIn",
         "CheckedIn", "LeftProperty", "Returned"]
ACTORS = {"VisitRequested": ("staff-0001", "staff"), "RiskAssessed": ("dsl-0001", "dsl"),
          "VisitAuthorised": ("dsl-0001", "dsl")}


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, make_settings) -> Iterator[DoorstepSettings]:
    """The embedded default (SQLite files), then production's PostgreSQL, one schema a service."""
    if request.param == "sqlite":
        yield make_settings()
        return
    settings = make_settings(database_url=request.getfixturevalue("database_url"))
    yield settings
    drop_schemas(settings.database_url, settings.schema_suffix)


async def test_one_visit_travels_through_all_four_services(stores, make_cluster) -> None:
    settings = stores
    cluster = make_cluster(settings)
    visits, authorisation = cluster["visits"].url, cluster["authorisation"].url
    staff = client_for(settings, visits, user="staff-0001", role="staff", schools=[URN])
    dsl = client_for(settings, authorisation, user="dsl-0001", role="dsl", schools=[URN])
    auditor = client_for(settings, cluster["records"].url, user="auditor-0001", role="auditor",
                         schools=[URN])
    async with staff, dsl, auditor:
        visit_id = (await ok(await staff.post(f"/v1/schools/{URN}/visits",
                                              json=visit_request(STAFF)), 201))["visit_id"]
        base = f"/v1/schools/{URN}/visits/{visit_id}"

        async def authorisation_knows() -> bool:
            return (await dsl.get(f"{base}/authorisation")).status_code == 200

        try:
            await until(authorisation_knows, "the request reach authorisation", seconds=30)
        except AssertionError as error:  # say where it stopped: the stream, or a consumer
            raise AssertionError(f"{error}; {await where_it_stopped(settings)}") from error
        await ok(await dsl.post(f"{base}/risk-assessments", json={"kind": "initial", "score": 4}),
                 201)
        await ok(await dsl.post(f"{base}/decision", json=AUTHORISE))

        async def authorised() -> bool:
            return (await staff.get(base)).json()["status"] == "authorised"

        await until(authorised, "the decision reach visits", seconds=30)
        await ok(await staff.post(f"{base}/departure", json=sign_out(STAFF)))
        await ok(await staff.post(f"{base}/arrival", json={"dynamic_risk_ok": True}))
        await ok(await staff.post(f"{base}/check-ins", json={}))
        await ok(await staff.post(f"{base}/check-ins", json={}))
        leaving = sign_out(STAFF)["expected_return"]
        await ok(await staff.post(f"{base}/leaving", json={"expected_return": leaving}))
        state = await ok(await staff.post(f"{base}/return", json={}))
        assert state["status"] == "returned"

        async def full_history() -> list[dict[str, Any]] | None:
            events = (await ok(await auditor.get(f"{base}/history")))["events"]
            story = [e for e in events if e["type"] in set(STORY)]
            return events if len(story) >= len(STORY) else None

        events = await until(full_history, "the whole visit in the history", seconds=30)

    story = [e for e in events if e["type"] in set(STORY)]
    assert [e["type"] for e in story] == STORY
    for event in story:
        assert (event["trust_id"], event["school_urn"], event["visit_id"]) == (
            settings.default_trust, URN, visit_id)
        actor = (event["actor"]["id"], event["actor"]["role"])
        assert actor == ACTORS.get(event["type"], ("staff-0001", "staff")), event
    assert len({e["event_id"] for e in events}) == len(events)
    assert len({e["correlation_id"] for e in story}) == 1  # one visit, one correlation
