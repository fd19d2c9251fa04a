"""Use cases of the escalation service, on an event-sourced application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from services.escalation.deliveries import Deliveries
from services.escalation.domain import Delivery, Escalation, Watch
from services.escalation.domain.ladder import TOP_LEVEL, contacts_for, level_reason
from services.escalation.meta import command_meta, escalation_meta
from services.escalation.options import Channels, Timing
from services.escalation.reminders import reminder_deliveries
from services.escalation.visitfacts import apply_visit_event, check_in_number
from shared.contracts import Actor, IntegrationEvent
from shared.contracts.errors import NotFound
from shared.contracts.meta import Meta
from shared.storage.commands import serialised

__all__ = ["Channels", "EscalationApplication", "Timing"]

Clock = Callable[[], datetime]
DEFAULT_TIMING, DEFAULT_CHANNELS = Timing(), Channels()  # frozen, so one of each serves every app


class EscalationApplication(Deliveries):
    name = "escalation"

    def __init__(self, env: dict[str, str] | None = None, *, timing: Timing = DEFAULT_TIMING,
                 channels: Channels = DEFAULT_CHANNELS, clock: Clock = lambda: datetime.now(UTC)) -> None:
        super().__init__(env)
        self.timing = timing
        self.channels = channels
        self.clock = clock
        self.open_view: Callable[[str], list[dict[str, Any]]] = lambda school_urn: []

    # --- facts from the visit ---

    def on_visit_event(self, event: IntegrationEvent, meta: Meta) -> list[Aggregate]:
        """Apply one visit event to its Watch, once; duress raises at the top level at once."""
        assert event.visit_id is not None
        visit_id = event.visit_id
        meta = {**meta, "visit_id": str(visit_id)}

        def changes() -> list[Aggregate]:
            watch = self.find(Watch.create_id(visit_id), Watch) or Watch(visit_id, meta)
            if watch.seen(str(event.event_id), check_in_number(event)):
                return []
            raised = apply_visit_event(watch, event, meta)
            changed: list[Aggregate] = [watch]
            if raised is not None:
                changed += self._raise(watch, raised, "duress", TOP_LEVEL, late=False,
                                       now=event.occurred_at, meta=meta)
            return changed

        return self.save_retrying(changes)

    # --- the scheduler's work ---

    def fire(self, aggregate_id: UUID) -> list[Aggregate]:
        """Record whatever has fallen due on one aggregate; a concurrent change is retried."""
        return self.save_retrying(lambda: self.due_changes(aggregate_id))

    def save_retrying(self, changes: Callable[[], list[Aggregate]], attempts: int = 5
                      ) -> list[Aggregate]:
        """Work out the changes from the stored state and save them; if another writer got
        there first (optimistic concurrency), work them out again from the new state."""
        for attempt in range(attempts):
            changed = changes()
            if not changed:
                return []
            try:
                self.save(*changed)
                return changed
            except IntegrityError:
                if attempt == attempts - 1:
                    raise
        return []

    def fire_many(self, aggregate_ids: list[UUID]) -> list[Aggregate]:
        """Many deadlines in one transaction. If one conflicts (a visit event saved it
        meanwhile), each half is fired again from the state now stored: a conflict costs a few
        smaller transactions, not one for every deadline of the batch."""
        changed = [a for aggregate_id in aggregate_ids for a in self.due_changes(aggregate_id)]
        if not changed:
            return []
        try:
            self.save(*changed)
            return changed
        except IntegrityError:
            if len(aggregate_ids) == 1:
                return self.fire(aggregate_ids[0])
            half = len(aggregate_ids) // 2
            return self.fire_many(aggregate_ids[:half]) + self.fire_many(aggregate_ids[half:])

    def due_changes(self, aggregate_id: UUID) -> list[Aggregate]:
        """What has fallen due on one aggregate, recorded but not yet saved."""
        aggregate = self.find(aggregate_id, Aggregate)
        now = self.clock()
        changed: list[Aggregate] = []
        if isinstance(aggregate, Watch):
            meta = aggregate.system_meta()
            for r in aggregate.fire(now, self.timing.minute, self.timing.late_after, meta):
                changed += self._raise(aggregate, r.escalation_id, r.trigger, 1, late=r.late,
                                       now=now, meta=meta)
            changed += reminder_deliveries(aggregate, self.channels, self.registers, now, meta)
            changed = [aggregate, *changed] if aggregate.pending_events else changed
        elif isinstance(aggregate, Escalation):
            watch = self.find(Watch.create_id(aggregate.visit_id), Watch, copy=False)
            meta = escalation_meta(aggregate)
            steps = aggregate.climb_due(now, self.timing.minute, self.timing.late_after,
                                        self._contacts(aggregate, watch), meta)
            if steps:
                changed = [aggregate, *self._deliveries(aggregate, now, meta)]
        return changed

    @serialised(by="delivery_id")
    def record_attempt(self, delivery_id: UUID, attempt: int, delivered: bool,
                       detail: str) -> None:
        delivery = self.find(delivery_id, Delivery)
        if delivery is None or delivery.attempts >= attempt:
            return  # another replica recorded this attempt first
        now = self.clock()
        delivery.record_attempt(delivered, detail, now)
        after = self.failover(delivery, now) if delivery.failed else []
        self.save(delivery, *after)

    def _raise(self, watch: Watch, escalation_id: UUID, trigger: str, level: int, *, late: bool,
               now: datetime, meta: Meta) -> list[Aggregate]:
        buddy = watch.buddy
        directory = self.ladder_contacts(watch.trust_id, watch.school_urn)
        contacts = contacts_for(level, buddy=buddy, directory=directory,
                                on_visit=set(watch.staff_ids), duress=trigger == "duress")
        escalation = Escalation(escalation_id, watch.visit_id, trigger, level, contacts,
                                dict(watch.plan), now, late, list(watch.staff_ids),
                                level_reason(level, trigger), meta)
        return [escalation, *self._deliveries(escalation, now, meta)]

    # --- people ---

    @serialised(by="escalation_id")
    def acknowledge(self, escalation_id: UUID, school_urn: str, actor: Actor,
                    causation_id: UUID) -> Escalation:
        escalation = self.escalation(escalation_id, school_urn)
        meta = command_meta(escalation, actor, causation_id)
        if escalation.acknowledge(actor.id, str(actor.role), self.clock(), meta):
            self.save(escalation)
        return escalation

    @serialised(by="escalation_id")
    def resolve(self, escalation_id: UUID, school_urn: str, actor: Actor, outcome: str,
                note: str, causation_id: UUID) -> Escalation:
        escalation = self.escalation(escalation_id, school_urn)
        meta = command_meta(escalation, actor, causation_id)
        escalation.resolve(actor.id, str(actor.role), outcome, note, self.clock(), meta)
        watch = self.find(Watch.create_id(escalation.visit_id), Watch)
        changed: list[Aggregate] = [escalation]
        if watch is not None:
            watch.escalation_closed(escalation.id, meta)
            changed.append(watch)
        self.save(*changed)
        return escalation

    @serialised(by="escalation_id")
    def no_contact(self, escalation_id: UUID, school_urn: str, actor: Actor,
                   causation_id: UUID) -> Escalation:
        escalation = self.escalation(escalation_id, school_urn)
        meta = command_meta(escalation, actor, causation_id)
        watch = self.find(Watch.create_id(escalation.visit_id), Watch, copy=False)
        now = self.clock()
        escalation.no_contact(actor.id, now, self._contacts(escalation, watch), meta)
        if escalation.pending_events:
            self.save(escalation, *self._deliveries(escalation, now, meta))
        return escalation

    # --- queries ---

    def escalation(self, escalation_id: UUID, school_urn: str) -> Escalation:
        found: Escalation | None = self.find(escalation_id, Escalation)
        if found is None or found.school_urn != school_urn:
            raise NotFound(f"no escalation {escalation_id} at school {school_urn}")
        return found

    def history(self, escalation_id: UUID, school_urn: str) -> list[dict[str, Any]]:
        """Every step of the escalation, and every notification attempt, in order."""
        self.escalation(escalation_id, school_urn)
        steps = [_describe(e) for e in self.events.get(escalation_id)]
        return steps


def _describe(event: Any) -> dict[str, Any]:
    fields = {k: v for k, v in event.__dict__.items()
              if k not in {"originator_id", "originator_version", "timestamp", "meta"}}
    actor = event.meta.get("actor_id", "")
    return {"event": type(event).__name__, "at": event.timestamp.isoformat(),
            "version": event.originator_version, "actor": actor,
            "details": {k: (str(v) if not isinstance(v, int | bool | list | dict | None) else v)
                        for k, v in fields.items()}}
