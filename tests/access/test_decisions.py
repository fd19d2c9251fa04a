"""Who decides, and when: the pack names who may decide both ways; a signed-out visit takes no
more decisions or assessments."""

from __future__ import annotations

import asyncio

import pytest

from shared.testing.http import client_for
from tests.visits.on_site import AUTHORISE, VisitsOnSite
from tests.visits.stories import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


async def test_decline_needs_a_decider_and_a_signed_out_visit_takes_no_more(make_settings,
                                                                            make_cluster):
    settings = make_settings()
    cluster = make_cluster(settings, names=("visits", "authorisation"))
    site = VisitsOnSite(settings, {name: p.url for name, p in cluster.processes.items()})
    await site.put_on_site(1)
    base = site.base(site.visit_ids[0])
    url = cluster["authorisation"].url
    decline = {"decision": "decline", "reason": "not today"}

    for role in ("staff", "auditor"):
        async with client_for(settings, url, user=f"{role}-0009", role=role,
                              schools=[URN]) as someone:
            refused = await someone.post(f"{base}/decision", json=decline)
        assert refused.status_code == 403, refused.text
        assert "needs one of these roles" in refused.json()["detail"]

    async with client_for(settings, url, user="dsl-0001", role="dsl", schools=[URN]) as dsl:
        for _ in range(100):  # the sign-out reaches authorisation over NATS
            case = (await dsl.get(f"{base}/authorisation")).json()
            if case["closed_for_decisions"]:
                break
            await asyncio.sleep(0.1)
        assert case["closed_for_decisions"] == "the visit has been signed out"
        late = await dsl.post(f"{base}/decision", json=decline)
        assert late.status_code == 409, late.text
        assert "has been signed out" in late.json()["detail"]
        again = await dsl.post(f"{base}/decision", json=AUTHORISE)
        assert again.status_code == 409
        assessed = await dsl.post(f"{base}/risk-assessments", json={"kind": "initial", "score": 4})
        assert assessed.status_code == 409, assessed.text
        assert "has been signed out" in assessed.json()["detail"]
        case = (await dsl.get(f"{base}/authorisation")).json()
    assert case["decision"] == "authorised"  # the DSL's authorisation stands
