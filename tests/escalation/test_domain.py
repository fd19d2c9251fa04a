"""The ladder's rules and the Watch's deadlines, in memory (milliseconds, no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.escalation.application import EscalationApplication, Timing
from services.escalation.domain import Escalation, Watch
from services.escalation.domain.ladder import contacts_for
from services.escalation.integration import translate
from shared.contracts import Actor, Role
from shared.contracts.errors import Conflict
from shared.contracts.escalation import CheckInDueSoon, CheckInMissed, EscalationRaised
from shared.contracts.meta import reaction_meta
from tests.escalation.story import Visit

SYSTEM = Actor(id="escalation", role=Role.SYSTEM)
DIRECTORY = [{"person_id": "slt-1", "role": "slt"}, {"person_id": "head-1", "role": "headteacher"},
             {"person_id": "dsl-1", "role": "dsl"}, {"person_id": "lead-1",
                                                     "role": "trust_safety_lead"}]
BUDDY = {"person_id": "buddy-1", "role": "buddy"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> EscalationApplication:
    return EscalationApplication({"PERSISTENCE_MODULE": "eventsourcing.popo"},
                                 timing=Timing(minute=60.0, late_after=5.0), clock=clock)


def tell(app: EscalationApplication, *events) -> None:
    for event in events:
        app.on_visit_event(event, reaction_meta(event, SYSTEM))


def published(app: EscalationApplication) -> list:
    return [e for n in app.recorder.select_notifications(1, 1000)
            for e in translate(app.mapper.to_domain_event(n))]


def test_each_level_tells_its_people_and_never_anyone_on_the_visit():
    assert contacts_for(1, buddy=BUDDY, directory=DIRECTORY, on_visit=set()) == [BUDDY]
    assert [c["person_id"] for c in contacts_for(2, buddy=BUDDY, directory=DIRECTORY,
                                                 on_visit=set())] == ["slt-1"]
    assert [c["person_id"] for c in contacts_for(2, buddy=BUDDY, directory=DIRECTORY,
                                                 on_visit={"slt-1"})] == ["head-1"]
    assert {c["person_id"] for c in contacts_for(4, buddy=BUDDY, directory=DIRECTORY,
                                                 on_visit=set())} == {
        "slt-1", "head-1", "dsl-1", "lead-1"}
    duress = contacts_for(3, buddy=BUDDY, directory=DIRECTORY, on_visit=set(), duress=True)
    assert {c["person_id"] for c in duress} == {"buddy-1", "slt-1", "head-1"}


def test_a_reminder_comes_before_the_check_in_and_a_miss_after_the_grace(app, clock):
    visit = Visit()
    tell(app, visit.authorised(interval=20, wait=60, grace_minutes=5, reminder_before_minutes=5),
         visit.departed(arrive_in=timedelta(minutes=10), back_in=timedelta(hours=2)),
         visit.arrived(clock.now))
    watch_id = Watch.create_id(visit.visit_id)
    clock.now += timedelta(minutes=15)
    app.fire(watch_id)
    assert [type(e) for e in published(app)] == [CheckInDueSoon]
    clock.now += timedelta(minutes=9)
    app.fire(watch_id)
    assert not any(isinstance(e, CheckInMissed) for e in published(app)), "still in the grace"
    clock.now += timedelta(minutes=1)
    app.fire(watch_id)
    events = published(app)
    assert [type(e) for e in events[1:]] == [CheckInMissed, EscalationRaised]
    assert events[1].late is False
    assert events[2].contacts[0].person_id == "buddy-0001"


def test_a_late_duplicate_check_in_changes_nothing_and_a_fire_long_after_is_marked_late(app, clock):
    visit = Visit()
    check_in = visit.checked_in(1, clock.now + timedelta(minutes=10))
    tell(app, visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=2)),
         visit.arrived(clock.now), check_in)
    watch = app.repository.get(Watch.create_id(visit.visit_id))
    tell(app, check_in, visit.arrived(clock.now - timedelta(minutes=30)))
    again = app.repository.get(watch.id)
    assert again.last_contact_at == watch.last_contact_at
    clock.now += timedelta(hours=1)  # the service was down: two check-ins passed
    app.fire(watch.id)
    missed = [e for e in published(app) if isinstance(e, CheckInMissed)]
    assert [m.sequence for m in missed] == [2]
    assert missed[0].late


def test_a_visits_check_ins_are_known_by_number_so_the_watch_does_not_grow(app, clock):
    visit = Visit()
    tell(app, visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=2)),
         visit.arrived(clock.now))
    check_ins = [visit.checked_in(n, clock.now + timedelta(minutes=n)) for n in range(1, 201)]
    tell(app, *check_ins)
    watch: Watch = app.repository.get(Watch.create_id(visit.visit_id))
    assert watch.last_sequence == 200
    assert len(watch.causes) == 2  # departed and arrived; 200 check-ins kept no ids
    stored = app.recorder.max_notification_id()
    assert app.on_visit_event(check_ins[41], reaction_meta(check_ins[41], SYSTEM)) == []
    assert app.recorder.max_notification_id() == stored  # a repeat stores nothing


def test_a_long_visits_reminders_and_answered_misses_are_not_kept(app, clock):
    visit = Visit()
    tell(app, visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=200)),
         visit.arrived(clock.now))
    watch_id = Watch.create_id(visit.visit_id)
    for sequence in range(1, 101):
        clock.now += timedelta(minutes=26 if sequence > 1 else 16)  # past its reminder
        app.fire(watch_id)
        assert app.repository.get(watch_id).reminded == [f"check_in:{sequence}"]
        if sequence % 10 == 0:  # now and then one is missed, then made late
            clock.now += timedelta(minutes=10)
            app.fire(watch_id)
            assert f"check_in:{sequence}" in app.repository.get(watch_id).missed
        tell(app, visit.checked_in(sequence, clock.now))
    watch: Watch = app.repository.get(watch_id)
    assert watch.last_sequence == 100
    assert watch.reminded == [], "answered: nothing kept for them"
    assert watch.missed == []
    assert len(watch.causes) == 2
    assert watch.next_due(60.0) == clock.now + timedelta(minutes=25), "the next reminder"


def test_the_first_to_acknowledge_owns_it_and_resolution_needs_an_owner(app, clock):
    visit = Visit()
    tell(app, visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=2)),
         visit.duress())
    escalation_id = app.repository.get(Watch.create_id(visit.visit_id)).open_escalation
    head, slt = Actor(id="head-1", role=Role.HEADTEACHER), Actor(id="slt-1", role=Role.SLT)
    with pytest.raises(Conflict, match="acknowledge the escalation before resolving"):
        app.resolve(escalation_id, visit.school, head, "staff_safe", "", escalation_id)
    with pytest.raises(Conflict, match="on this visit"):
        app.acknowledge(escalation_id, visit.school, Actor(id="staff-0001", role=Role.BUDDY),
                        escalation_id)
    app.acknowledge(escalation_id, visit.school, head, escalation_id)
    app.acknowledge(escalation_id, visit.school, head, escalation_id)  # idempotent for the owner
    with pytest.raises(Conflict, match="already acknowledged by head-1"):
        app.acknowledge(escalation_id, visit.school, slt, escalation_id)
    app.resolve(escalation_id, visit.school, head, "police_called", "999 called", escalation_id)
    escalation: Escalation = app.repository.get(escalation_id)
    assert escalation.outcome == "police_called"
    assert escalation.next_due(60.0) is None


def test_no_contact_from_the_buddy_tells_a_senior_leader_at_once(app, clock):
    visit = Visit()
    app.set_directory(visit.school, DIRECTORY, {"trust_id": "t", "school_urn": visit.school,
                                                "actor_id": "dsl-1", "actor_role": "dsl",
                                                "correlation_id": str(visit.correlation_id),
                                                "causation_id": ""})
    tell(app, visit.departed(arrive_in=timedelta(minutes=5), back_in=timedelta(hours=2),
                             at=clock.now))
    clock.now += timedelta(minutes=11)
    app.fire(Watch.create_id(visit.visit_id))
    escalation_id = app.repository.get(Watch.create_id(visit.visit_id)).open_escalation
    app.no_contact(escalation_id, visit.school, Actor(id="buddy-0001", role=Role.BUDDY),
                   escalation_id)
    raised = [e for e in published(app) if isinstance(e, EscalationRaised)]
    assert [(r.level, r.trigger) for r in raised] == [(1, "arrival_overdue"),
                                                      (2, "arrival_overdue")]
    assert [c.person_id for c in raised[1].contacts] == ["slt-1"]
