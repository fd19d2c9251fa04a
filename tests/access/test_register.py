"""The staff register is the source of a person's school roles, in every service."""

from __future__ import annotations

import time

import httpx
import pytest

from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until
from tests.visits.stories import URN, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def as_(settings: DoorstepSettings, user: str, role: str) -> dict[str, str]:
    schools = [] if role == "trust_it" else [URN]
    return {"Authorization": f"Bearer {mint_token(settings, user=user, role=role, schools=schools)}"}


async def test_a_school_role_acts_only_as_the_register_says(make_settings, make_cluster) -> None:
    settings = make_settings()
    cluster = make_cluster(settings, names=("visits", "authorisation"))
    visits = httpx.AsyncClient(base_url=cluster["visits"].url, timeout=15)
    office = httpx.AsyncClient(base_url=cluster["authorisation"].url, timeout=15,
                               headers=as_(settings, "it-0001", "trust_it"))
    async with visits, office:
        for person, roles in (("staff-0001", ["staff"]), ("dsl-0001", ["dsl", "staff"])):
            put = await office.put(f"/v1/schools/{URN}/staff/{person}", json={"roles": roles})
            assert put.status_code == 200, put.text
        trust_wide = await office.put(f"/v1/schools/{URN}/staff/it-0002",
                                      json={"roles": ["trust_it"]})
        assert trust_wide.status_code == 422  # trust-wide roles are not on a school's register

        async def request(user: str, role: str) -> httpx.Response:
            return await visits.post(f"/v1/schools/{URN}/visits", json=visit_request([user]),
                                     headers=as_(settings, user, role))

        stranger = await until(lambda: request("staff-0009", "staff"),  # the register, over NATS
                               "the register reach visits", seconds=20, every=0.1,
                               ready=lambda answer: answer.status_code == 403,
                               show=lambda answer: answer.text)
        assert "staff-0009 is not on school 123456's staff register" in stranger.text
        await until(lambda: request("dsl-0001", "dsl"), "both members reach visits, in order",
                    seconds=20, every=0.1, ready=lambda answer: answer.status_code == 201,
                    show=lambda answer: answer.text)
        assert (await request("staff-0001", "staff")).status_code == 201
        assert (await request("dsl-0001", "dsl")).status_code == 201
        promoted = await request("staff-0001", "dsl")  # a token claiming more than the register
        assert promoted.status_code == 403
        assert "as staff, not dsl" in promoted.text
        assert (await request("it-0001", "trust_it")).status_code == 403  # policy: not a visitor


async def test_a_leaver_is_refused_at_once_by_every_service(make_settings, make_cluster) -> None:
    settings = make_settings()
    cluster = make_cluster(settings, names=("visits", "authorisation"))
    visits = httpx.AsyncClient(base_url=cluster["visits"].url, timeout=15)
    office = httpx.AsyncClient(base_url=cluster["authorisation"].url, timeout=15,
                               headers=as_(settings, "it-0001", "trust_it"))
    async with visits, office:
        for person, roles in (("staff-0001", ["staff"]), ("dsl-0001", ["dsl"])):
            named = {"roles": roles, "name": f"Person {person}", "mobile": "07700 955801"}
            put = await office.put(f"/v1/schools/{URN}/staff/{person}", json=named)
            assert put.status_code == 200, put.text

        async def request() -> httpx.Response:
            return await visits.post(f"/v1/schools/{URN}/visits",
                                     json=visit_request(["staff-0001"]),
                                     headers=as_(settings, "staff-0001", "staff"))

        async def search() -> httpx.Response:
            return await office.get(f"/v1/schools/{URN}/pupils", params={"name": "jo"},
                                    headers=as_(settings, "staff-0001", "staff"))

        async def both_known() -> bool:
            return (await request()).status_code == 201 and (await search()).status_code == 200

        await until(both_known, "both on the register in both services")
        left = time.monotonic()
        gone = await office.delete(f"/v1/schools/{URN}/staff/staff-0001")
        assert gone.status_code == 200, gone.text
        refused: dict[str, float] = {}

        async def refused_by_both() -> bool:
            for name, ask in (("visits", request), ("authorisation", search)):
                if name not in refused and (await ask()).status_code == 403:
                    refused[name] = time.monotonic() - left
            return len(refused) == 2

        await until(refused_by_both, "the leaver refused by visits and authorisation",
                    seconds=10, every=0.01)
        print("\nthe leaver refused after " + ", ".join(
            f"{1000 * seconds:.0f} ms by {name}" for name, seconds in refused.items()))
        assert set(refused) == {"visits", "authorisation"}
        answer = await request()
        assert "staff-0001 is not on school 123456's staff register" in answer.text
