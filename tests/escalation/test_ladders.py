"""Trust IT sees every school of the trust whose escalation ladder reaches nobody at some level."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.escalation.domain.ladder import ladder_gaps
from shared.security.tokens import mint_token

pytestmark = [pytest.mark.nats]
READY, EMPTY, OTHER = "121212", "121213", "343434"


def test_a_ladder_is_complete_only_when_each_level_reaches_someone() -> None:
    full = [{"person_id": "slt-1", "role": "slt", "phone": "07700 900100"},
            {"person_id": "head-1", "role": "headteacher", "phone": "07700 900101"}]
    assert ladder_gaps(full) == []
    no_phone = [{"person_id": "slt-1", "role": "slt"}, full[1]]
    assert ladder_gaps(no_phone) == ["level 2: no reachable contact; add a senior leader (slt) "
                                     "with a phone"]
    assert [gap[:7] for gap in ladder_gaps([])] == ["level 2", "level 3", "level 4"]


def test_trust_it_sees_each_school_whose_ladder_is_incomplete(make_settings, make_cluster,
                                                              tmp_path: Path) -> None:
    schools = tmp_path / "schools.yaml"
    schools.write_text(f'trusts:\n  t1: ["{READY}", "{EMPTY}"]\n  t2: ["{OTHER}"]\n')
    settings = make_settings(schools_file=schools, default_trust="t1")
    url = make_cluster(settings, names=("escalation",))["escalation"].url

    def token(role: str, trust: str, school: list[str]) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_token(settings, user=f"{role}-1", role=role,
                                                        trust=trust, schools=school)}

    contacts = {"contacts": [
        {"person_id": "slt-1", "role": "slt", "phone": "07700 900100"},
        {"person_id": "head-1", "role": "headteacher", "phone": "07700 900101"}]}
    put = httpx.put(f"{url}/v1/schools/{READY}/escalation-contacts", json=contacts,
                    headers=token("trust_it", "t1", []))
    assert put.status_code == 200, put.text

    seen = httpx.get(f"{url}/v1/escalation-ladders", headers=token("trust_it", "t1", [])).json()
    assert {s["school_urn"]: s["complete"] for s in seen} == {READY: True, EMPTY: False}
    [empty] = [s for s in seen if s["school_urn"] == EMPTY]
    assert len(empty["missing"]) == 3
    other = httpx.get(f"{url}/v1/escalation-ladders", headers=token("trust_it", "t2", [])).json()
    assert [s["school_urn"] for s in other] == [OTHER]  # another trust's schools only
    assert httpx.get(f"{url}/v1/escalation-ladders",
                     headers=token("dsl", "t1", [READY])).status_code == 403
