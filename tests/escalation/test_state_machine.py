"""Must show 6: no sequence of visit events, duplicates, late messages and people's actions
leaves a passed deadline without an escalation (hypothesis, stateful)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from services.escalation.application import EscalationApplication, Timing
from services.escalation.domain import Escalation, Watch
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.errors import Conflict
from shared.contracts.meta import reaction_meta
from tests.escalation.story import Visit

SYSTEM = Actor(id="escalation", role=Role.SYSTEM)
HEAD = Actor(id="head-0001", role=Role.HEADTEACHER)
minutes = st.integers(min_value=0, max_value=90)


class VisitAndLadder(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self.app = EscalationApplication({"PERSISTENCE_MODULE": "eventsourcing.popo"},
                                         timing=Timing(minute=60.0, late_after=5.0),
                                         clock=lambda: self.now)
        self.visit = Visit()
        self.sent: list[IntegrationEvent] = []
        self.sequence = 0
        self.fired = False

    # --- the visit, as the other services would tell it (sometimes late, sometimes twice) ---

    def deliver(self, event: IntegrationEvent) -> None:
        self.sent.append(event)
        self.app.on_visit_event(event, reaction_meta(event, SYSTEM))
        self.fired = False

    @rule(interval=st.sampled_from([5, 20, 30]), wait=st.sampled_from([10, 20, 60]),
          grace=st.integers(0, 10), reminder=st.integers(0, 10))
    def authorised(self, interval: int, wait: int, grace: int, reminder: int) -> None:
        self.deliver(self.visit.authorised(interval=interval, wait=wait, grace_minutes=grace,
                                           reminder_before_minutes=reminder))

    @rule(arrive=minutes, back=minutes, interval=st.sampled_from([5, 20, 30]))
    def departed(self, arrive: int, back: int, interval: int) -> None:
        self.deliver(self.visit.departed(arrive_in=timedelta(minutes=arrive),
                                         back_in=timedelta(minutes=arrive + back),
                                         interval=interval, at=self.now))

    @rule(ago=minutes)
    def arrived(self, ago: int) -> None:
        self.deliver(self.visit.arrived(self.now - timedelta(minutes=ago)))

    @rule(ago=minutes)
    def checked_in(self, ago: int) -> None:
        self.sequence += 1
        self.deliver(self.visit.checked_in(self.sequence, self.now - timedelta(minutes=ago)))

    @rule(back=minutes)
    def left(self, back: int) -> None:
        self.deliver(self.visit.left(timedelta(minutes=back), at=self.now))

    @rule()
    def returned(self) -> None:
        self.deliver(self.visit.returned(self.now))

    @rule()
    def duress(self) -> None:
        self.deliver(self.visit.duress())

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def redelivered(self, data: Any) -> None:
        event = data.draw(st.sampled_from(self.sent))
        before = self.versions()
        self.app.on_visit_event(event, reaction_meta(event, SYSTEM))
        assert self.versions() == before, "a redelivered message changes nothing"

    # --- people ---

    @rule(data=st.data(), resolve=st.booleans())
    def someone_answers(self, data: Any, resolve: bool) -> None:
        open_ones = [e for e in self.escalations() if e.is_open]
        if not open_ones:
            return
        escalation = open_ones[data.draw(st.integers(0, len(open_ones) - 1))]
        self.app.acknowledge(escalation.id, escalation.school_urn, HEAD, escalation.id)
        if resolve:
            self.app.resolve(escalation.id, escalation.school_urn, HEAD, "staff_safe", "",
                             escalation.id)
            try:
                self.app.acknowledge(escalation.id, escalation.school_urn,
                                     Actor(id="slt-9", role=Role.SLT), escalation.id)
                raise AssertionError("a resolved escalation cannot be taken again")
            except Conflict:
                pass

    # --- time, and the scheduler catching up ---

    @rule(step=st.integers(min_value=0, max_value=45))
    def time_passes_and_the_scheduler_runs(self, step: int) -> None:
        self.now += timedelta(minutes=step)
        watch = self.watch()
        if watch is not None:
            self.app.fire(watch.id)
        for escalation in self.escalations():
            self.app.fire(escalation.id)
        self.fired = True

    # --- what must always hold ---

    @invariant()
    def no_passed_deadline_goes_unescalated(self) -> None:
        watch = self.watch()
        if watch is None:
            return
        missed = [e for e in self.app.events.get(watch.id)
                  if type(e).__name__ in ("DeadlineMissed", "DuressRaised")]
        for event in missed:
            found = self.app.repository.get(event.escalation_id)
            assert isinstance(found, Escalation)
        if self.fired:
            for deadline in watch.deadlines(60.0):
                assert deadline.due > self.now, f"{deadline} passed with nothing raised"
            for escalation in self.escalations():
                due = escalation.next_due(60.0)
                assert due is None or due > self.now, "a climb fell due and did not happen"
        if any(e.is_open for e in self.escalations()):
            assert watch.open_escalation is not None or any(
                type(e).__name__ == "DuressRaised" for e in missed)

    def watch(self) -> Watch | None:
        found: Watch | None = self.app.find(Watch.create_id(self.visit.visit_id), Watch)
        return found

    def escalations(self) -> list[Escalation]:
        watch = self.watch()
        if watch is None:
            return []
        return [self.app.repository.get(i) for i in dict.fromkeys(watch.escalations)]

    def versions(self) -> dict[UUID, int]:
        watch = self.watch()
        if watch is None:
            return {}
        result = {watch.id: watch.version}
        result.update({e.id: e.version for e in self.escalations()})
        return result


VisitAndLadder.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestVisitAndLadder = VisitAndLadder.TestCase
