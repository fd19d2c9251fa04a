"""Must show 1 and 2, over a real nats-server and a real escalation process."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from shared.contracts.escalation import (
    CheckInMissed,
    EscalationAcknowledged,
    EscalationRaised,
    EscalationResolved,
    NotificationAttempted,
)
from shared.security.tokens import mint_token
from shared.testing.sealing import sealer_for
from tests.escalation.receiver import SECRET, webhook_receiver
from tests.escalation.story import SCHOOL, TRUST, Visit, bus, lines, of

pytestmark = [pytest.mark.nats, pytest.mark.e2e]

CONTACTS = {"contacts": [
    {"person_id": "slt-0001", "role": "slt", "phone": "07700 900101"},
    {"person_id": "head-0001", "role": "headteacher", "phone": "07700 900102"},
    {"person_id": "dsl-0001", "role": "dsl", "phone": "07700 900103"},
    {"person_id": "staff-0002", "role": "slt", "phone": "07700 900104"},  # on the visit
]}


def start(make_settings, make_cluster, tmp_path: Path, webhook: str):
    settings = make_settings(default_trust=TRUST)
    env = {"DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1", "DOORSTEP_ESCALATION_LEASE_SECONDS": "1",
           "DOORSTEP_ESCALATION_GATEWAY": f"fake:{tmp_path / 'sms.jsonl'}",
           "DOORSTEP_ESCALATION_WEBHOOK_URL": webhook,
           "DOORSTEP_ESCALATION_WEBHOOK_SECRET": SECRET,
           "DOORSTEP_ESCALATION_WEBHOOK_BACKOFF_SECONDS": "0.2"}
    url = make_cluster(settings, names=("escalation",), extra_env=env)["escalation"].url
    return settings, url


def headers(settings, user: str, role: str) -> dict[str, str]:
    token = mint_token(settings, user=user, role=role, schools=[SCHOOL], trust=TRUST)
    return {"Authorization": f"Bearer {token}"}


async def test_a_missed_check_in_climbs_the_ladder_until_someone_owns_it(
        make_settings, make_cluster, tmp_path):
    with webhook_receiver(fail_first=1) as (hook, received):
        settings, url = start(make_settings, make_cluster, tmp_path, hook)
        head = headers(settings, "head-0001", "headteacher")
        put = httpx.put(f"{url}/v1/schools/{SCHOOL}/escalation-contacts", json=CONTACTS,
                        headers=headers(settings, "dsl-0001", "dsl"))
        assert put.status_code == 200, put.text
        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            # 0.1 s a minute: check-in due 3 s after arrival, grace 0.5 s, level 2 after 1 s,
            # level 3 after 1.5 s more, fallback after 1.5 s more.
            await nats_bus.publish(
                visit.authorised(interval=30, level2_after_minutes=10, level3_after_minutes=15,
                                 fallback_after_minutes=15),
                visit.departed(arrive_in=timedelta(seconds=1), back_in=timedelta(hours=1)),
                visit.arrived())
            events = await nats_bus.wait_for(
                lambda es: any(e.level == 3 for e in of(es, EscalationRaised)),
                visit_id=visit.visit_id)
            ack = httpx.post(f"{url}/v1/schools/{SCHOOL}/escalations/"
                             f"{of(events, EscalationRaised)[0].escalation_id}/acknowledgement",
                             headers=head)
            assert ack.status_code == 200, ack.text
            await asyncio.sleep(2.5)  # longer than the fallback time: nothing more may climb
            events = await nats_bus.escalation_events(visit.visit_id)

            missed = of(events, CheckInMissed)
            raised = of(events, EscalationRaised)
            assert [m.sequence for m in missed][:1] == [1]
            assert [r.level for r in raised] == [1, 2, 3], "acknowledgement stops the climb"
            assert [c.person_id for c in raised[0].contacts] == ["buddy-0001"]
            assert [c.person_id for c in raised[1].contacts] == ["slt-0001"], \
                "staff-0002 is an SLT but on the visit, so is skipped"
            assert [c.person_id for c in raised[2].contacts] == ["head-0001"]
            assert raised[2].police_decision_required
            step1 = (raised[1].occurred_at - raised[0].occurred_at).total_seconds()
            step2 = (raised[2].occurred_at - raised[1].occurred_at).total_seconds()
            assert 0.9 <= step1 <= 2.0, step1
            assert 1.4 <= step2 <= 2.5, step2
            assert of(events, EscalationAcknowledged)[0].acknowledged_by == "head-0001"

            escalation_id = raised[0].escalation_id
            second = httpx.post(f"{url}/v1/schools/{SCHOOL}/escalations/{escalation_id}"
                                "/acknowledgement", headers=headers(settings, "slt-0001", "slt"))
            assert second.status_code == 409
            assert "already acknowledged by head-0001" in second.json()["detail"]

            opened = httpx.get(f"{url}/v1/schools/{SCHOOL}/escalations", headers=head).json()
            assert [e["escalation_id"] for e in opened] == [str(escalation_id)]
            done = httpx.post(f"{url}/v1/schools/{SCHOOL}/escalations/{escalation_id}/resolution",
                              json={"outcome": "contact_made"}, headers=head)
            assert done.status_code == 200, done.text
            events = await nats_bus.wait_for(lambda es: of(es, EscalationResolved),
                                             visit_id=visit.visit_id)
        assert of(events, EscalationResolved)[0].outcome == "contact_made"
        history = httpx.get(f"{url}/v1/schools/{SCHOOL}/escalations/{escalation_id}/history",
                            headers=head).json()
        assert [h["event"] for h in history] == [
            "Raised", "Climbed", "Climbed", "Acknowledged", "Resolved"]
        await asyncio.sleep(0.5)
        assert httpx.get(f"{url}/v1/schools/{SCHOOL}/escalations", headers=head).json() == []

        texts = lines(tmp_path / "sms.jsonl")
        told = {(t["to"], t["level"], t["channel"]) for t in texts}
        assert ("07700 900999", 1, "sms") in told  # the buddy's phone
        assert ("07700 900101", 2, "sms") in told
        assert ("07700 900102", 3, "voice") in told
        assert not any(t["to"] == "07700 900104" for t in texts), "nobody on the visit is told"
        attempts = of(events, NotificationAttempted)
        webhook = [a for a in attempts if a.channel == "webhook" and a.level == 1]
        assert [(a.attempt, a.delivered) for a in webhook] == [(1, False), (2, True)]
        assert received.bad_signatures == 0


async def test_duress_goes_straight_to_the_top(make_settings, make_cluster, tmp_path):
    with webhook_receiver(fail_first=0) as (hook, _received):
        settings, url = start(make_settings, make_cluster, tmp_path, hook)
        httpx.put(f"{url}/v1/schools/{SCHOOL}/escalation-contacts", json=CONTACTS,
                  headers=headers(settings, "dsl-0001", "dsl")).raise_for_status()
        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            await nats_bus.publish(*visit.duress_on_site("phrase"))
            events = await nats_bus.wait_for(lambda es: of(es, EscalationRaised),
                                             visit_id=visit.visit_id)
        raised = of(events, EscalationRaised)
        assert [r.level for r in raised] == [3]
        assert raised[0].trigger == "duress"
        assert {c.person_id for c in raised[0].contacts} == {"buddy-0001", "slt-0001", "head-0001"}
        assert not of(events, CheckInMissed)
        staff = httpx.get(f"{url}/v1/schools/{SCHOOL}/escalations",
                          headers=headers(settings, "staff-0001", "staff"))
        assert staff.status_code == 403, "the staff member's own token sees nothing of it"
