"""The store holds the deadlines: a fresh process derives the same ones, and two writers that
both fire the same deadline record one escalation. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from services.escalation.application import EscalationApplication, Timing
from services.escalation.domain import Escalation, Watch
from services.escalation.scheduler import DeadlineIndex
from shared.contracts import Actor, Role
from shared.contracts.meta import reaction_meta
from tests.escalation.story import Visit

SYSTEM = Actor(id="escalation", role=Role.SYSTEM)


def test_a_restarted_service_and_a_second_writer_agree_on_one_escalation(env):
    clock_now = [datetime.now(UTC)]
    first = EscalationApplication(env, timing=Timing(minute=60.0), clock=lambda: clock_now[0])
    visit = Visit()
    for event in (visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=1),
                                 at=clock_now[0]),
                  visit.arrived(clock_now[0])):
        first.on_visit_event(event, reaction_meta(event, SYSTEM))
    index = DeadlineIndex(first)
    while index.follow():
        pass
    watch_id = Watch.create_id(visit.visit_id)
    expected = first.repository.get(watch_id).next_due(60.0)
    assert index.due[watch_id] == expected.timestamp()

    second = EscalationApplication(env, timing=Timing(minute=60.0), clock=lambda: clock_now[0])
    rebuilt = DeadlineIndex(second)
    while rebuilt.follow():
        pass
    assert rebuilt.due[watch_id] == expected.timestamp(), "a restart derives the same deadline"

    clock_now[0] += timedelta(minutes=40)
    stale = second.repository.get(watch_id)  # as a second replica that loaded it earlier
    assert first.fire(watch_id)
    escalations = stale.fire(clock_now[0], 60.0, 5.0, stale.system_meta())
    assert escalations, "the stale copy would raise too..."
    with pytest.raises(IntegrityError):
        second.save(stale)  # ...but the store refuses the second writer
    watch = second.repository.get(watch_id)
    assert len(watch.escalations) == 1
    assert isinstance(second.repository.get(watch.escalations[0]), Escalation)
    assert second.fire(watch_id) == [], "nothing more is due"
    first.close()
    second.close()
