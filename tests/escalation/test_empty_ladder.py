"""A school cannot run on an empty ladder: authorising is refused, saying what to set up, until
levels 2 and 3 reach someone; level 4 always includes the trust's safety leads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.escalation.application import EscalationApplication
from services.escalation.domain.ladder import FALLBACK_LEVEL, contacts_for
from shared.contracts import Actor, Role
from shared.contracts.meta import command_meta
from shared.security.tokens import mint_token
from shared.testing.polling import until
from tests.visits.stories import URN, sign_out, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
AUTHORISE = {"decision": "authorise", "responsible_contact": "head-0001",
             "out_of_hours_reason": "the only time the family can be seen"}
DSL_ONLY = {"contacts": [{"person_id": "dsl-0001", "role": "dsl", "phone": "07700 900103"}]}
# Short at level 3 only: told apart from DSL_ONLY (short at 2 and 3) in what visits says, so a
# test can tell which change visits heard last (it hears them in order).
SLT_ONLY = {"contacts": [{"person_id": "slt-0001", "role": "slt", "phone": "07700 900101"}]}
FULL = {"contacts": [{"person_id": "slt-0001", "role": "slt", "phone": "07700 900101"},
                     {"person_id": "head-0001", "role": "headteacher", "phone": "07700 900102"}]}


async def test_authorising_is_refused_while_levels_2_and_3_reach_nobody(
        make_settings, make_cluster) -> None:
    settings = make_settings()
    cluster = make_cluster(settings, names=("visits", "authorisation", "escalation"))

    def client(name: str, user: str, role: str) -> httpx.AsyncClient:
        token = mint_token(settings, user=user, role=role, schools=[URN])
        return httpx.AsyncClient(base_url=cluster[name].url, timeout=15,
                                 headers={"Authorization": f"Bearer {token}"})

    staff, dsl = client("visits", "staff-0001", "staff"), client("authorisation", "dsl-0001",
                                                                 "dsl")
    it = client("escalation", "it-0001", "trust_it")
    async with staff, dsl, it:
        (await it.put(f"/v1/schools/{URN}/escalation-contacts", json=DSL_ONLY)).raise_for_status()
        created = await staff.post(f"/v1/schools/{URN}/visits",
                                   json=visit_request(["staff-0001", "staff-0002"]))
        base = f"/v1/schools/{URN}/visits/{created.json()['visit_id']}"

        def refusal(answer: httpx.Response) -> object:
            return answer.json()["escalation_ladder"]["refusal"]

        await until(lambda: dsl.get(f"{base}/authorisation"),
                    "authorisation hear the ladder was short", seconds=20,
                    ready=lambda answer: answer.status_code == 200 and refusal(answer),
                    show=lambda answer: answer.text)
        (await dsl.post(f"{base}/risk-assessments", json={"kind": "initial", "score": 4})
         ).raise_for_status()
        refused = await dsl.post(f"{base}/decision", json=AUTHORISE)
        assert refused.status_code == 409, refused.text
        said = refused.json()
        assert "reaches nobody at level 2" in said["detail"]
        assert "escalation-contacts" in said["detail"]  # says what to set up
        assert any(d.startswith("LadderReachesSomeone") for d in said["details"])

        (await it.put(f"/v1/schools/{URN}/escalation-contacts", json=FULL)).raise_for_status()
        await until(lambda: dsl.get(f"{base}/authorisation"),
                    "authorisation hear the ladder reaches someone", seconds=20,
                    ready=lambda answer: refusal(answer) is None, show=lambda answer: answer.text)
        granted = await dsl.post(f"{base}/decision", json=AUTHORISE)
        assert granted.status_code == 200, granted.text

        # the ladder loses its headteacher after the visit was authorised: sign-out is refused
        (await it.put(f"/v1/schools/{URN}/escalation-contacts", json=SLT_ONLY)).raise_for_status()

        async def shown_to_staff() -> dict[str, Any]:
            shown: dict[str, Any] = (await staff.get(base)).json()
            return shown

        # visits hears the ladder is short, and tells the staff before they go
        shown = await until(shown_to_staff, "visits refuse the sign-out", seconds=40,
                            ready=lambda state: state["status"] == "authorised"
                            and "level 3" in (state.get("sign_out_refused") or "")
                            and "level 2" not in state["sign_out_refused"])
        assert "reaches nobody at level 3" in shown["sign_out_refused"]
        leaving = await staff.post(f"{base}/departure", json=sign_out(["staff-0001", "staff-0002"]))
        assert leaving.status_code == 409, leaving.text
        assert "sign-out refused" in leaving.json()["detail"]


def test_level_4_always_includes_the_trusts_safety_leads() -> None:
    app = EscalationApplication({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    it = Actor(id="it-1", role=Role.TRUST_IT)
    meta = command_meta(trust_id="t1", school_urn="000000", actor=it,
                        correlation_id=it_id(), causation_id=None)
    app.set_trust_leads("t1", [{"person_id": "tsl-1", "role": "trust_safety_lead",
                                "phone": "07700 900200"}], meta)
    app.set_directory(URN, FULL["contacts"], {**meta, "school_urn": URN})
    ladder = app.ladder_contacts("t1", URN)
    told = {c["person_id"] for c in contacts_for(FALLBACK_LEVEL, buddy=None, directory=ladder,
                                                  on_visit=set())}
    assert told == {"slt-0001", "head-0001", "tsl-1"}
    assert {c["person_id"] for c in app.ladder_contacts("t2", URN)} == {"slt-0001", "head-0001"}


def it_id():  # type: ignore[no-untyped-def]
    from uuid import uuid4

    return uuid4()
