"""The ladder picks people from the staff register: no second list of phones. A text names the
school and the staff on the visit; a leaver drops off the ladder at once, which then says so."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from shared.contracts.escalation import EscalationRaised
from shared.security.tokens import mint_token
from shared.testing.polling import until
from shared.testing.sealing import sealer_for
from tests.escalation.story import SCHOOL, TRUST, Visit, bus, lines, of

pytestmark = [pytest.mark.nats, pytest.mark.e2e]

PEOPLE = {"staff-0001": ("Sam Patel", "07700 900301", ["staff"]),
          "staff-0002": ("Ana Wood", "07700 900302", ["staff"]),
          "slt-0001": ("Priya Shah", "07700 900303", ["slt"]),
          "head-0001": ("Tom O'Brien", "07700 900304", ["headteacher"])}
# People by role alone: their phones are the register's.
LADDER = {"contacts": [{"person_id": "slt-0001", "role": "slt"},
                       {"person_id": "head-0001", "role": "headteacher"}]}
SCHOOL_DETAILS = {"urn": SCHOOL, "name": "Ordsall Primary", "policy_pack": "trust-default"}


def as_(settings, user: str, role: str) -> dict[str, str]:
    schools = [] if role == "trust_it" else [SCHOOL]
    token = mint_token(settings, user=user, role=role, schools=schools, trust=TRUST)
    return {"Authorization": f"Bearer {token}"}


async def test_the_ladder_reaches_people_on_the_register_by_name(make_settings, make_cluster,
                                                                tmp_path: Path) -> None:
    settings = make_settings(default_trust=TRUST)
    cluster = make_cluster(settings, names=("authorisation", "escalation"), extra_env={
        "DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1", "DOORSTEP_ESCALATION_LEASE_SECONDS": "1",
        "DOORSTEP_ESCALATION_GATEWAY": f"fake:{tmp_path / 'sms.jsonl'}"})
    it = as_(settings, "it-0001", "trust_it")
    async with httpx.AsyncClient(base_url=cluster["authorisation"].url, timeout=15,
                                 headers=it) as authorisation, \
            httpx.AsyncClient(base_url=cluster["escalation"].url, timeout=15,
                              headers=it) as escalation:
        assert (await authorisation.post("/v1/schools", json=SCHOOL_DETAILS)).status_code == 201
        for person, (name, mobile, roles) in PEOPLE.items():
            put = await authorisation.put(f"/v1/schools/{SCHOOL}/staff/{person}",
                                          json={"roles": roles, "name": name, "mobile": mobile})
            assert put.status_code == 200, put.text
        put = await escalation.put(f"/v1/schools/{SCHOOL}/escalation-contacts", json=LADDER)
        assert put.status_code == 200, put.text

        async def ladder() -> dict[str, object]:
            report = (await escalation.get("/v1/escalation-ladders")).json()
            return next(r for r in report if r["school_urn"] == SCHOOL)

        whole = await until(ladder, "escalation to take the phones from the register",
                            ready=lambda r: r["complete"])
        assert whole["missing"] == []

        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            await nats_bus.publish(visit.authorised(), *visit.duress_on_site("panic"))
            await nats_bus.wait_for(lambda es: any(e.level >= 3 for e in of(es, EscalationRaised)),
                                    visit_id=visit.visit_id)
        texts = await until(lambda: lines(tmp_path / "sms.jsonl"), "texts to the ladder",
                            ready=lambda sent: {"07700 900303", "07700 900304"}
                            <= {t["to"] for t in sent})
        said = {t["to"]: t["text"] for t in texts}
        assert said["07700 900304"].startswith(
            "Ordsall Primary: Sam Patel and Ana Wood raised DURESS.")
        assert "staff-0001" not in said["07700 900304"]

        gone = await authorisation.delete(f"/v1/schools/{SCHOOL}/staff/head-0001")
        assert gone.status_code == 200, gone.text
        short = await until(ladder, "the ladder to lose the headteacher who left",
                            ready=lambda r: not r["complete"])
        assert any(gap.startswith("level 3") for gap in short["missing"])
