"""The store holds the deadlines: a fresh process derives the same ones, and two writers that
both fire the same deadline record one escalation. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from services.escalation.application import EscalationApplication, Timing
from services.escalation.deadline_index import DeadlineIndex
from services.escalation.domain import Escalation, Watch
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


def test_deadlines_fired_together_survive_a_conflict_in_a_few_transactions(env):
    """Firing a batch of deadlines while another writer changes one of their visits: every
    deadline fires once, and the conflict costs a few smaller transactions (halves), not one
    transaction for each deadline of the batch (the ingest at 100,000 visits spent a sixth of
    its time refiring batches one by one)."""
    clock_now = [datetime.now(UTC)]
    first = EscalationApplication(env, timing=Timing(minute=60.0), clock=lambda: clock_now[0])
    second = EscalationApplication(env, timing=Timing(minute=60.0), clock=lambda: clock_now[0])
    visits = [Visit() for _ in range(32)]
    for visit in visits:
        for event in (visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=1),
                                     at=clock_now[0]), visit.arrived(clock_now[0])):
            first.on_visit_event(event, reaction_meta(event, SYSTEM))
    ids = [Watch.create_id(visit.visit_id) for visit in visits]
    for watch_id in ids:
        first.repository.get(watch_id)  # the first replica has each one loaded

    clock_now[0] += timedelta(minutes=40)
    saves = []
    save = first.save
    first.save = lambda *changed, **kw: saves.append(len(changed)) or save(*changed, **kw)
    with first.caught_up():  # as the scheduler fires a batch...
        late = visits[5].checked_in(1, clock_now[0])
        second.on_visit_event(late, reaction_meta(late, SYSTEM))  # ...another writer saves one
        first.fire_many(ids)
    raised = [len(second.repository.get(watch_id).escalations) for watch_id in ids]
    assert raised == [0 if n == 5 else 1 for n in range(32)]  # once each; the checked-in: none
    assert len(saves) <= 2 * 5 + 2, saves  # log2(32) halvings, not 33 transactions
    first.close()
    second.close()
