"""Trust IT onboards a school while everything runs: every service knows it at once, another
trust never sees it, and once archived its history is read but nothing new is done there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until
from shared.testing.servers import drop_schemas
from tests.visits.stories import visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]

ORDSALL = {"urn": "333333", "name": "Ordsall Primary", "timezone": "Europe/London",
           "opens": "08:30", "closes": "15:30", "policy_pack": "ordsall-primary",
           "contact_number": "0161 921 1500"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, make_settings, tmp_path: Path
             ) -> Iterator[DoorstepSettings]:
    schools = tmp_path / "schools.yaml"
    schools.write_text("trusts:\n  t1: [111111]\n  t2: [{urn: 222222, name: Blue Coat}]\n")
    extra = {"database_url": request.getfixturevalue("database_url")} \
        if request.param == "postgres" else {}
    made = make_settings(schools_file=schools, default_trust="t1", **extra)
    yield made
    drop_schemas(made.database_url, made.schema_suffix)


def as_(settings: DoorstepSettings, user: str, role: str, trust: str = "t1",
        schools: tuple[str, ...] = ()) -> dict[str, str]:
    token = mint_token(settings, user=user, role=role, schools=list(schools), trust=trust)
    return {"Authorization": f"Bearer {token}"}


async def test_a_school_onboarded_while_the_services_run_is_usable_at_once(
        settings: DoorstepSettings, make_cluster) -> None:
    cluster = make_cluster(settings, names=("authorisation", "visits"))
    it = httpx.AsyncClient(base_url=cluster["authorisation"].url, timeout=15,
                           headers=as_(settings, "it-0001", "trust_it"))
    visits = httpx.AsyncClient(base_url=cluster["visits"].url, timeout=15,
                               headers=as_(settings, "staff-0001", "staff", schools=("333333",)))
    async with it, visits:
        first = await until(lambda: it.get("/v1/schools"), "the schools file imported",
                            ready=lambda r: r.status_code == 200 and r.json())
        assert [(s["urn"], s["name"]) for s in first.json()] == [
            ("111111", "School 111111 (name to be set)")]
        unknown = await visits.post("/v1/schools/333333/visits", json=visit_request(["staff-0001"]))
        assert unknown.status_code == 404

        onboarded = await it.post("/v1/schools", json=ORDSALL)
        assert onboarded.status_code == 201, onboarded.text
        assert onboarded.json()["name"] == "Ordsall Primary"
        started = time.monotonic()
        asked = await until(lambda: visits.post("/v1/schools/333333/visits",
                                                json=visit_request(["staff-0001"])),
                            "the visits service to know the new school", seconds=10,
                            ready=lambda r: r.status_code == 201)
        print(f"usable by visits {time.monotonic() - started:.2f} s after onboarding")
        assert time.monotonic() - started < 2
        policy = (await it.get("/v1/schools/333333/policy")).json()
        assert policy["pack"] == "ordsall-primary"
        assert policy["effective"]["timezone"] == "Europe/London"

        other_trust = as_(settings, "it-0002", "trust_it", trust="t2")
        assert (await it.get("/v1/schools/333333", headers=other_trust)).status_code == 404
        assert [s["name"] for s in (await it.get("/v1/schools", headers=other_trust)).json()] \
            == ["Blue Coat"]
        again = await it.post("/v1/schools", json=ORDSALL, headers=other_trust)
        assert again.status_code == 409

        archived = await it.post("/v1/schools/333333/archive",
                                 json={"reason": "merged with 111111"})
        assert archived.json()["archived"] is True
        visit_id = asked.json()["visit_id"]
        refused = await until(lambda: visits.post("/v1/schools/333333/visits",
                                                  json=visit_request(["staff-0001"])),
                              "visits to hear of the archiving", seconds=10,
                              ready=lambda r: r.status_code == 409)
        assert "Ordsall Primary (333333) is archived" in refused.json()["detail"]
        kept = await visits.get(f"/v1/schools/333333/visits/{visit_id}")
        assert kept.status_code == 200  # its history is still read
        changed = await it.put("/v1/schools/333333", json={**ORDSALL, "name": "Renamed"})
        assert changed.status_code == 409


@pytest.mark.parametrize(("change", "says"), [
    ({"timezone": "Mars/Olympus"}, "not an IANA time zone"),
    ({"opens": "16:00", "closes": "09:00"}, "must open before it closes"),
    ({"urn": "12345"}, "urn"),
    ({"policy_pack": "no-such-pack"}, "no pack named 'no-such-pack'"),
    ({"name": ""}, "name"),
])
async def test_a_school_described_wrongly_is_refused_with_what_to_fix(
        make_settings, make_cluster, change: dict[str, str], says: str) -> None:
    settings = make_settings(default_trust="t1")
    authorisation = make_cluster(settings, names=("authorisation",))["authorisation"]
    async with httpx.AsyncClient(base_url=authorisation.url, timeout=15,
                                 headers=as_(settings, "it-0001", "trust_it")) as it:
        answer = await it.post("/v1/schools", json={**ORDSALL, **change})
        assert answer.status_code == 422, answer.text
        assert says in answer.text
        assert (await it.get("/v1/schools")).json() == []  # nothing half-written
