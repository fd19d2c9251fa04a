"""The visits service as a real process on a real nats-server: what staff and integrators see."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from faststream.nats import NatsBroker

from shared.contracts import Actor, Role
from shared.contracts.authorisation import VisitAuthorised, VisitConditions
from shared.messaging.bus import EventPublisher
from shared.messaging.envelope import to_wire
from shared.runtime.settings import DoorstepSettings
from shared.testing.http import anonymous, client_for
from shared.testing.polling import until
from shared.testing.wire import EventTap
from tests.visits.stories import URN, sign_out, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
STAFF = ["staff-0001", "staff-0002"]


def authorisation_for(settings: DoorstepSettings, visit_id: str, staff: list[str]) -> VisitAuthorised:
    return VisitAuthorised(
        event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=settings.default_trust,
        school_urn=URN, visit_id=UUID(visit_id), actor=Actor(id="dsl-0001", role=Role.DSL),
        correlation_id=uuid4(), authorised_by="dsl-0001",
        conditions=VisitConditions(min_staff=2, staff_ids=staff, check_in_interval_minutes=20,
                                   visit_date=datetime.now(ZoneInfo("Europe/London")).date()))


async def publish(settings: DoorstepSettings, event: VisitAuthorised) -> None:
    """Authorisation's side of the wire: the decision, published as that service would."""
    broker = NatsBroker(settings.nats_url)
    await broker.connect()
    try:
        await EventPublisher(broker, settings).publish(event)
    finally:
        await broker.stop()


async def wait_status(client: httpx.AsyncClient, visit_id: str, status: str) -> dict[str, object]:
    async def state() -> dict[str, object]:
        shown: dict[str, object] = (await client.get(f"/v1/schools/{URN}/visits/{visit_id}")).json()
        return shown

    return await until(state, f"the visit become {status}", ready=lambda shown: shown["status"] == status)


async def test_sign_out_waits_for_authorisation_heard_over_nats(make_settings, make_cluster) -> None:
    settings = make_settings()
    visits = make_cluster(settings, names=("visits",))["visits"]
    staff = client_for(settings, visits.url, user="staff-0001", role="staff", schools=[URN])
    async with EventTap(settings) as tap, staff:
        created = await staff.post(f"/v1/schools/{URN}/visits", json=visit_request(STAFF))
        assert created.status_code == 201, created.text
        visit_id = created.json()["visit_id"]

        refused = await staff.post(f"/v1/schools/{URN}/visits/{visit_id}/departure",
                                   json=sign_out(STAFF))
        assert refused.status_code == 409
        assert "needs an authorised visit" in refused.json()["detail"]

        requested = (await tap.wait_for_type("VisitRequested"))[0]
        assert str(requested.visit_id) == visit_id
        assert (requested.trust_id, requested.school_urn) == (settings.default_trust, URN)
        assert requested.actor == Actor(id="staff-0001", role=Role.STAFF)

        await publish(settings, authorisation_for(settings, visit_id, STAFF))
        await wait_status(staff, visit_id, "authorised")

        departed = await staff.post(f"/v1/schools/{URN}/visits/{visit_id}/departure",
                                    json=sign_out(STAFF))
        assert departed.status_code == 200, departed.text
        assert departed.json()["status"] == "en_route"
        on_wire = (await tap.wait_for_type("Departed"))[0]
        assert on_wire.duress_phrase_agreed is True  # type: ignore[attr-defined]
        published = on_wire.model_dump_json() + str([s.headers for s in tap.seen])
        assert "blue folder" not in published  # the duress phrase never leaves the service


async def test_a_redelivered_decision_changes_nothing(make_settings, make_cluster) -> None:
    settings = make_settings()
    visits = make_cluster(settings, names=("visits",))["visits"]
    dsl = client_for(settings, visits.url, user="dsl-0001", role="dsl", schools=[URN])
    async with dsl:
        visit_id = (await dsl.post(f"/v1/schools/{URN}/visits",
                                   json=visit_request(STAFF))).json()["visit_id"]
        wire = to_wire(authorisation_for(settings, visit_id, STAFF), root=settings.subject_root)
        headers = {k: v for k, v in wire.headers.items() if k != "Nats-Msg-Id"}  # bypass dedup
        broker = NatsBroker(settings.nats_url)
        await broker.connect()
        await broker.publish(wire.body, wire.subject, headers=headers, stream=settings.stream_name)
        first = await wait_status(dsl, visit_id, "authorised")
        await broker.publish(wire.body, wire.subject, headers=headers, stream=settings.stream_name)
        await broker.publish(b"not a cloudevent", wire.subject, stream=settings.stream_name)
        await broker.stop()

        it = client_for(settings, visits.url, user="it-0001", role="trust_it", schools=[])
        async with it:

            async def refused_messages() -> list[dict[str, str]]:
                refused: list[dict[str, str]] = (await it.get("/operations/refused-messages")).json()
                return refused

            refused = await until(refused_messages, "the poison message refused")
        assert len(refused) == 1
        assert "not a CloudEvent" in refused[0]["reason"]
        # the duplicate was handled before the poison message: one consumer, in order
        second = (await dsl.get(f"/v1/schools/{URN}/visits/{visit_id}")).json()
        assert second["version"] == first["version"]


async def test_bad_requests_get_clear_4xx_answers(make_settings, make_cluster) -> None:
    settings = make_settings()
    visits = make_cluster(settings, names=("visits",))["visits"]
    staff = client_for(settings, visits.url, user="staff-0001", role="staff", schools=[URN])
    async with staff, anonymous(visits.url) as nobody:
        no_token = await nobody.post(f"/v1/schools/{URN}/visits", json=visit_request(STAFF))
        assert no_token.status_code == 401
        assert "bearer token" in no_token.json()["detail"]

        other_school = await staff.post("/v1/schools/654321/visits", json=visit_request(STAFF))
        assert other_school.status_code == 403

        malformed = await staff.post(f"/v1/schools/{URN}/visits", json={"purpose": "x"})
        assert malformed.status_code == 422
        assert {e["loc"][-1] for e in malformed.json()["detail"]} >= {"household_id", "staff_ids"}

        backwards = visit_request(STAFF, planned_end="2000-01-01T00:00:00+00:00")
        bad_times = await staff.post(f"/v1/schools/{URN}/visits", json=backwards)
        assert bad_times.status_code == 422
        assert "planned_end" in bad_times.text

        unknown = await staff.get(f"/v1/schools/{URN}/visits/{uuid4()}")
        assert unknown.status_code == 404
        assert "no visit" in unknown.json()["detail"]

        not_a_uuid = await staff.get(f"/v1/schools/{URN}/visits/nope")
        assert not_a_uuid.status_code == 422

        visit_id = (await staff.post(f"/v1/schools/{URN}/visits",
                                     json=visit_request(STAFF))).json()["visit_id"]
        early_return = await staff.post(f"/v1/schools/{URN}/visits/{visit_id}/return", json={})
        assert early_return.status_code == 409
        assert "sign out before signing back in" in early_return.json()["detail"]

        buddy_on_visit = sign_out(STAFF)
        buddy_on_visit["buddy_id"] = STAFF[0]
        refused = await staff.post(f"/v1/schools/{URN}/visits/{visit_id}/departure",
                                   json=buddy_on_visit)
        assert refused.status_code == 422
        assert "buddy" in refused.text


async def test_sign_out_breaking_the_authorised_conditions_is_refused_naming_each_rule(
        make_settings, make_cluster) -> None:
    settings = make_settings()
    visits = make_cluster(settings, names=("visits",))["visits"]
    staff = client_for(settings, visits.url, user="staff-0001", role="staff", schools=[URN])
    async with staff:
        visit_id = (await staff.post(f"/v1/schools/{URN}/visits",
                                     json=visit_request(STAFF))).json()["visit_id"]
        await publish(settings, authorisation_for(settings, visit_id, STAFF))
        await wait_status(staff, visit_id, "authorised")

        alone_and_driving = sign_out(["staff-0001"], interval=45, driver="staff-0001")
        refused = await staff.post(f"/v1/schools/{URN}/visits/{visit_id}/departure",
                                   json=alone_and_driving)
        assert refused.status_code == 409
        rules = {detail.split(":")[0] for detail in refused.json()["details"]}
        assert rules == {"MinimumStaffOnVisit", "StaffChangeNeedsNewDecision",
                         "DriversDocumentsValidOnTheDay", "CheckInIntervalAsAuthorised"}
        state = (await staff.get(f"/v1/schools/{URN}/visits/{visit_id}")).json()
        assert state["status"] == "authorised"  # nothing half-written

        accepted = await staff.post(f"/v1/schools/{URN}/visits/{visit_id}/departure",
                                    json=sign_out(STAFF))
        assert accepted.status_code == 200, accepted.text
