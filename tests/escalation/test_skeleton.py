"""The walking skeleton: the escalation process hears a visit and says when a check-in is missed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shared.contracts.escalation import CheckInMissed, EscalationRaised
from tests.escalation.story import Visit, bus, of

pytestmark = [pytest.mark.nats, pytest.mark.e2e]

FAST = {"DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1", "DOORSTEP_ESCALATION_LEASE_SECONDS": "1"}


async def test_a_check_in_that_passes_is_published_as_missed(make_settings, make_cluster):
    settings = make_settings()
    cluster = make_cluster(settings, names=("escalation",), extra_env=FAST)
    assert httpx.get(f"{cluster['escalation'].url}/health").json()["status"] == "ready"
    visit = Visit()
    async with bus(settings) as nats_bus:
        # interval 30 policy minutes = 3 s here; grace 5 = 0.5 s; no check-in ever comes
        await nats_bus.publish(visit.authorised(interval=30),
                               visit.departed(arrive_in=timedelta(seconds=1),
                                              back_in=timedelta(minutes=5)),
                               visit.arrived())
        events = await nats_bus.wait_for(lambda es: of(es, EscalationRaised),
                                         visit_id=visit.visit_id, timeout=20)
    missed = of(events, CheckInMissed)
    assert len(missed) == 1
    assert missed[0].sequence == 1
    assert missed[0].late is False
    assert missed[0].correlation_id == visit.correlation_id
    raised = of(events, EscalationRaised)[0]
    assert raised.level == 1
    assert [c.person_id for c in raised.contacts] == ["buddy-0001"]
