"""Who decides, and when: the pack names who may decide both ways; a signed-out visit takes no
more decisions or assessments."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.http import client_for
from shared.testing.polling import until
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

        async def the_case() -> dict[str, Any]:
            case: dict[str, Any] = (await dsl.get(f"{base}/authorisation")).json()
            return case

        case = await until(the_case, "the sign-out reach authorisation", seconds=20, every=0.1,
                           ready=lambda found: found["closed_for_decisions"])
        assert case["closed_for_decisions"] == "the visit has been signed out"
        late = await dsl.post(f"{base}/decision", json=decline)
        assert late.status_code == 409, late.text
        assert "has been signed out" in late.json()["detail"]
        again = await dsl.post(f"{base}/decision", json=AUTHORISE)
        assert again.status_code == 409
        assessed = await dsl.post(f"{base}/risk-assessments", json={"kind": "initial", "score": 4})
        assert assessed.status_code == 409, assessed.text
        assert "has been signed out" in assessed.json()["detail"]
        case = await the_case()
    assert case["decision"] == "authorised"  # the DSL's authorisation stands
