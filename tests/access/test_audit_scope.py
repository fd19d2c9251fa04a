"""Audit reads and corrections stay inside the reader's reach: a school role its own school, a
trust-wide role its own trust; nobody ever sees another trust's entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from shared.contracts import Actor, Role
from shared.contracts.records import SafeguardingConcernRaised
from shared.security.tokens import mint_token
from shared.storage.keystore import DataSubject
from shared.testing.polling import until
from shared.testing.sealing import scratch_sealer
from tests.access.test_policy_matrix import OTHER, OWN, SCHOOLS_YAML, SIBLING
from tests.robustness.test_trail_never_stalls import Bus

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def concern(trust: str, school: str) -> SafeguardingConcernRaised:
    return SafeguardingConcernRaised(
        event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=trust, school_urn=school,
        actor=Actor(id="staff-0001", role=Role.STAFF), correlation_id=uuid4(),
        concern_id=str(uuid4()), pupil_ids=["upn-P1"],
        description=scratch_sealer().seal(DataSubject(trust, "pupil", "upn-P1"), "an injury"),
        raised_by="staff-0001")


async def test_audit_reads_and_corrections_stay_in_reach(make_settings, make_cluster,
                                                         tmp_path: Path) -> None:
    schools = tmp_path / "schools.yaml"
    schools.write_text(SCHOOLS_YAML)
    settings = make_settings(schools_file=schools, default_trust="t1")
    records = make_cluster(settings, names=("records",))["records"]
    events = {"own": concern("t1", OWN), "sibling": concern("t1", SIBLING),
              "other": concern("t2", OTHER)}
    async with Bus(settings) as bus:
        for event in events.values():
            await bus.publish(event)

    def client(role: str, trust: str, school: list[str]) -> httpx.AsyncClient:
        token = mint_token(settings, user=f"{role}-1", role=role, trust=trust, schools=school)
        return httpx.AsyncClient(base_url=records.url, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})

    async def pupil_history(who: httpx.AsyncClient) -> set[str]:
        answer = await who.get("/v1/audit/history", params={"kind": "pupil", "id": "upn-P1"})
        assert answer.status_code == 200, answer.text
        return {entry["school_urn"] for entry in answer.json()["events"]}

    async with client("auditor", "t1", []) as auditor1, client("auditor", "t2", []) as auditor2, \
            client("dsl", "t1", [OWN]) as dsl, client("dsl", "t1", [SIBLING]) as sibling_dsl, \
            client("trust_safety_lead", "t2", []) as lead2:
        async def both_trusts_recorded() -> bool:
            return await pupil_history(auditor1) == {OWN, SIBLING} and bool(
                await pupil_history(auditor2))

        await until(both_trusts_recorded, "both trusts' concerns in the trail", seconds=20,
                    every=0.1)
        assert await pupil_history(auditor1) == {OWN, SIBLING}
        assert await pupil_history(auditor2) == {OTHER}
        assert await pupil_history(dsl) == {OWN}
        assert await pupil_history(sibling_dsl) == {SIBLING}

        export = await auditor2.get("/v1/audit/export")
        lines = [json.loads(line) for line in export.text.splitlines() if line.strip()]
        assert {line.get("trust_id") for line in lines if "trust_id" in line} <= {"t2"}
        assert str(events["own"].event_id) not in export.text
        for path in ("/v1/audit/export", "/v1/audit/verify", "/v1/audit/checkpoints"):
            assert (await dsl.get(path)).status_code == 403

        def fix(event: SafeguardingConcernRaised) -> dict[str, object]:
            return {"corrects_event_id": str(event.event_id), "reason": "wrong pupil named",
                    "correction": {"pupil_ids": "upn-P2"}}

        assert (await dsl.post("/v1/audit/corrections", json=fix(events["sibling"]))
                ).status_code == 404
        assert (await lead2.post("/v1/audit/corrections", json=fix(events["own"]))
                ).status_code == 404
        assert (await auditor1.post("/v1/audit/corrections", json=fix(events["own"]))
                ).status_code == 403
        made = await dsl.post("/v1/audit/corrections", json=fix(events["own"]))
        assert made.status_code == 201, made.text
