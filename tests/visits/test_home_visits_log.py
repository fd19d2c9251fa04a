"""The Home Visits Log over HTTP, on real processes and a real nats-server: the responders get
it, nobody else does (403 naming who may; another trust 404), and each opening lands in the
audit trail, where an auditor lists who saw the household's address."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.visits.domain.log import RULE
from shared.contracts import Actor, Role
from shared.contracts.authorisation import VisitAuthorised, VisitConditions
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.http import client_for, refuse_server_errors
from shared.testing.polling import until
from shared.testing.wire import EventTap
from tests.visits.stories import URN, visit_request
from tests.visits.test_visits_service import publish

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
STAFF = ["staff-0001", "staff-0002"]
ADDRESS = "9 Saltmarsh Row, Kings Lynn PE30 1ZZ"
MOBILES = ["07700 900311", "07700 900312"]
RESPONDERS = [("office-0001", Role.OFFICE), ("dsl-0001", Role.DSL),
              ("deputy-0001", Role.DEPUTY_DSL), ("slt-0001", Role.SLT),
              ("head-0001", Role.HEADTEACHER), ("tsl-0001", Role.TRUST_SAFETY_LEAD),
              ("buddy-0001", Role.BUDDY), ("staff-0002", Role.STAFF)]


def person(settings: DoorstepSettings, url: str, user: str, role: Role, *,
           trust: str | None = None, schools: list[str] | None = None) -> httpx.AsyncClient:
    wide = role in (Role.TRUST_SAFETY_LEAD, Role.AUDITOR, Role.TRUST_IT)
    token = mint_token(settings, user=user, role=role, trust=trust,
                       schools=schools if schools is not None else ([] if wide else [URN]))
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                             timeout=15.0, event_hooks={"response": [refuse_server_errors]})


def decision(settings: DoorstepSettings, visit_id: str) -> VisitAuthorised:
    return VisitAuthorised(
        event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=settings.default_trust,
        school_urn=URN, visit_id=UUID(visit_id), actor=Actor(id="dsl-0001", role=Role.DSL),
        correlation_id=uuid4(), authorised_by="dsl-0001",
        conditions=VisitConditions(min_staff=2, staff_ids=STAFF, check_in_interval_minutes=20,
                                   cleared_drivers=["staff-0001"],
                                   visit_date=datetime.now(ZoneInfo("Europe/London")).date()))


def leaving() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"staff": [{"staff_id": s, "mobile": m, "driving": s == "staff-0001"}
                      for s, m in zip(STAFF, MOBILES, strict=True)],
            "vehicle_registration": "KN51 SAL", "address": ADDRESS,
            "expecting_to_see": "Mr Saltmarsh and Robin",
            "expected_arrival": (now + timedelta(minutes=20)).isoformat(),
            "expected_leave": (now + timedelta(minutes=80)).isoformat(),
            "expected_return": (now + timedelta(minutes=100)).isoformat(),
            "buddy_id": "buddy-0001", "buddy_phone": "01553 900313",
            "check_in_interval_minutes": 20, "duress_phrase": "the saltmarsh folder"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, make_settings) -> DoorstepSettings:
    """On each store: the openings are the visits service's own events, like any other."""
    if request.param == "postgres":
        return make_settings(database_url=request.getfixturevalue("database_url"))
    made: DoorstepSettings = make_settings()
    return made


async def test_the_responders_open_the_log_others_cannot_and_each_opening_is_in_the_trail(
        settings: DoorstepSettings, make_cluster) -> None:
    cluster = make_cluster(settings, names=("visits", "records"))
    visits, records = cluster["visits"].url, cluster["records"].url
    household = f"hh-{uuid4().hex[:10]}"
    staff = client_for(settings, visits, user="staff-0001", role="staff", schools=[URN])
    async with EventTap(settings) as tap, staff:
        created = await staff.post(f"/v1/schools/{URN}/visits",
                                   json=visit_request(STAFF, household_id=household))
        visit_id = created.json()["visit_id"]
        base = f"/v1/schools/{URN}/visits/{visit_id}"
        log = f"{base}/home-visits-log"
        assert (await staff.get(log)).status_code == 409  # nothing in it before sign-out
        await publish(settings, decision(settings, visit_id))
        await until(lambda: staff.get(base), "the decision reach visits",
                    ready=lambda answer: answer.json()["status"] == "authorised")
        signed = await staff.post(f"{base}/departure", json=leaving())
        assert signed.status_code == 200, signed.text
        assert ADDRESS not in signed.text
        assert MOBILES[0] not in signed.text
        assert signed.json()["home_visits_log"] == log
        assert (await staff.post(f"{base}/arrival", json={})).status_code == 200

        for user, role in RESPONDERS:
            async with person(settings, visits, user, role) as responder:
                answer = await responder.get(log, params={"via": "board"})
                assert answer.status_code == 200, (user, answer.text)
                shown = answer.json()
                assert (shown["address"], shown["expecting_to_see"]) == (
                    ADDRESS, "Mr Saltmarsh and Robin"), user
                assert [m["mobile"] for m in shown["staff"]] == MOBILES
                assert (shown["vehicle_registration"], shown["driver"]) == ("KN51 SAL",
                                                                            "staff-0001")
                assert (shown["buddy_id"], shown["buddy_phone"]) == ("buddy-0001",
                                                                     "01553 900313")
                assert shown["status"] == "on_site"
                assert shown["last_check_in"]
                assert shown["next_due"]["what"] == "check-in"
                assert {"expected_arrival", "expected_leave", "expected_return"} <= set(shown)
                assert "saltmarsh folder" not in answer.text  # never the duress phrase
                assert shown["opening"]["recorded"] is True
        async with person(settings, visits, "office-0001", Role.OFFICE) as office:
            again = (await office.get(log, params={"via": "board"})).json()
            assert again["opening"]["recorded"] is False  # a live board: one opening a window

        refused = {"a buddy of another visit": ("buddy-0002", Role.BUDDY, None, None),
                   "staff not on the visit": ("staff-0003", Role.STAFF, None, None),
                   "an auditor": ("auditor-0001", Role.AUDITOR, None, None),
                   "trust IT": ("it-0001", Role.TRUST_IT, None, None),
                   "a DSL of a sibling school": ("dsl-0009", Role.DSL, None, ["654321"]),
                   "a DSL of another trust": ("dsl-0008", Role.DSL, "other-trust", [URN])}
        for who, (user, role, trust, schools) in refused.items():
            async with person(settings, visits, user, role, trust=trust,
                              schools=schools) as outsider:
                answer = await outsider.get(log)
                said = str(answer.json().get("detail"))
                if trust is not None:
                    assert (answer.status_code, said) == (404, f"no school {URN}"), who
                    continue
                assert answer.status_code == 403, (who, answer.text)
                assert ADDRESS not in answer.text
                assert MOBILES[0] not in answer.text
                if role in (Role.BUDDY, Role.STAFF):
                    assert said.startswith(f"{RULE}: only the responders"), who
                    assert "office" in said
                    assert "buddy-0001" in said
                elif schools is None:
                    assert "needs one of these roles" in said
                    assert "trust_safety_lead" in said

        opened = await tap.wait_for_type("HomeVisitLogOpened", count=len(RESPONDERS))
        await _no_more_openings(tap, len(RESPONDERS))
        assert {(e.actor.id, e.actor.role) for e in opened} == set(RESPONDERS)

    async with person(settings, records, "auditor-0001", Role.AUDITOR) as auditor:
        query = {"kind": "household", "id": household, "type": "HomeVisitLogOpened"}
        listed = await until(lambda: auditor.get("/v1/audit/history", params=query),
                             "every opening in the trail", ready=lambda answer: len(
                                 answer.json()["events"]) == len(RESPONDERS),
                             show=lambda answer: answer.text[:300])
        entries = listed.json()["events"]
        assert {e["type"] for e in entries} == {"HomeVisitLogOpened"}
        assert {(e["actor"]["id"], e["actor"]["role"]) for e in entries} == {
            (user, str(role)) for user, role in RESPONDERS}
        first = entries[0]["payload"]
        assert first["fields"] == ["address", "expecting_to_see", "staff_mobiles",
                                   "vehicle_registration", "buddy_phone"]
        assert (first["household_id"], first["via"]) == (household, "board")
        assert ADDRESS not in listed.text
        assert MOBILES[1] not in listed.text
        wrong = await auditor.get("/v1/audit/history", params={**query, "type": "Nonesuch"})
        assert wrong.status_code == 422
        assert "no event type Nonesuch" in wrong.text
    async with person(settings, records, "dsl-0001", Role.DSL) as dsl:  # the visit's chronology
        chronology = await dsl.get(f"{base}/history", params={"type": "HomeVisitLogOpened"})
        assert len(chronology.json()["events"]) == len(RESPONDERS)


async def _no_more_openings(tap: EventTap, count: int) -> None:
    """Refusals and the repeat within the window published nothing."""
    await asyncio.sleep(0.5)
    assert len(tap.of_type("HomeVisitLogOpened")) == count
