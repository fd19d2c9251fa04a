"""Must show 3 and 4: deadlines survive SIGKILL; two replicas raise each escalation once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from shared.contracts.escalation import CheckInMissed, EscalationRaised
from shared.testing.sealing import sealer_for
from tests.escalation.story import SCHOOL, TRUST, Visit, bus, lines, of
from tests.escalation.test_ladder import headers

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def fast_env(tmp_path: Path) -> dict[str, str]:
    return {"DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1", "DOORSTEP_ESCALATION_LEASE_SECONDS": "1",
            "DOORSTEP_ESCALATION_LATE_AFTER_SECONDS": "1",
            "DOORSTEP_ESCALATION_GATEWAY": f"fake:{tmp_path / 'sms.jsonl'}"}


async def test_a_deadline_that_passes_while_the_service_is_dead_fires_once_at_restart(
        make_settings, make_cluster, tmp_path):
    settings = make_settings()
    env = fast_env(tmp_path)
    first = make_cluster(settings, names=("escalation",), extra_env=env)
    visit = Visit(sealer=sealer_for(settings))
    async with bus(settings) as nats_bus:
        await nats_bus.publish(
            visit.authorised(interval=30, level2_after_minutes=240),
            visit.departed(arrive_in=timedelta(seconds=1), back_in=timedelta(hours=1)),
            visit.arrived())
        await asyncio.sleep(1.5)  # heard and stored; the check-in falls due at +3.5 s
        first["escalation"].kill()
        await asyncio.sleep(4.0)  # the deadline passes while nothing runs
        assert not of(await nats_bus.escalation_events(visit.visit_id), CheckInMissed)
        restarted_at = time.time()
        make_cluster(settings, names=("escalation",), extra_env=env)
        events = await nats_bus.wait_for(lambda es: of(es, EscalationRaised),
                                         visit_id=visit.visit_id)
        await asyncio.sleep(1.0)
        events = await nats_bus.escalation_events(visit.visit_id)
    missed, raised = of(events, CheckInMissed), of(events, EscalationRaised)
    # while it was down, check-in 1 (and perhaps 2, 3 s later) passed: each is published once
    assert [m.sequence for m in missed] == list(range(1, len(missed) + 1))
    assert len(raised) == 1, "later misses join the open escalation"
    assert missed[0].late
    assert raised[0].late
    assert missed[0].occurred_at.timestamp() >= restarted_at
    assert missed[0].occurred_at - missed[0].due_at > timedelta(seconds=1)


@pytest.mark.postgres
async def test_two_replicas_raise_and_notify_each_escalation_once(
        make_settings, make_cluster, database_url, tmp_path):
    settings = make_settings(database_url=database_url, default_trust=TRUST)
    env = fast_env(tmp_path)
    a = make_cluster(settings, names=("escalation",),
                     extra_env={**env, "DOORSTEP_ESCALATION_REPLICA": "a"})
    httpx.put(f"{a['escalation'].url}/v1/schools/{SCHOOL}/escalation-contacts",
              json={"contacts": [{"person_id": "slt-0001", "role": "slt",
                                  "phone": "07700 900101"}]},
              headers=headers(settings, "dsl-0001", "dsl")).raise_for_status()
    make_cluster(settings, names=("escalation",), extra_env={**env,
                                                              "DOORSTEP_ESCALATION_REPLICA": "b"})
    visits = [Visit(sealer=sealer_for(settings)) for _ in range(20)]
    async with bus(settings) as nats_bus:
        for visit in visits:
            await nats_bus.publish(
                visit.authorised(interval=30, level2_after_minutes=10,
                                 level3_after_minutes=240),
                visit.departed(arrive_in=timedelta(seconds=1), back_in=timedelta(hours=1)),
                visit.arrived())
        events = await nats_bus.wait_for(
            lambda es: len({e.visit_id for e in of(es, EscalationRaised) if e.level == 2}) == 20,
            timeout=60)
        await asyncio.sleep(1.0)
        events = await nats_bus.escalation_events()
    raised = Counter((e.escalation_id, e.level) for e in of(events, EscalationRaised))
    assert len(raised) == 40
    assert set(raised.values()) == {1}
    texts = Counter((t["escalation_id"], t["level"], t["to"]) for t in lines(tmp_path / "sms.jsonl"))
    assert len(texts) == 40, "per visit: the buddy at level 1, the senior leader at level 2"
    assert set(texts.values()) == {1}, "no contact was told twice"
