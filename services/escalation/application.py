"""Use cases of the escalation service, on an event-sourced application."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.escalation.domain import AckLink, ContactDirectory, Delivery, Escalation, Watch
from services.escalation.domain.ladder import (
    TOP_LEVEL,
    Contact,
    contacts_for,
    ladder_gaps,
    level_reason,
)
from services.escalation.notifications import failover
from services.escalation.visitfacts import apply_visit_event, check_in_number
from shared.contracts import Actor, IntegrationEvent
from shared.contracts.errors import NotFound
from shared.contracts.meta import Meta
from shared.storage.commands import serialised
from shared.storage.groupcommit import GroupCommitted

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Timing:
    minute: float = 60.0  # seconds in a policy minute
    late_after: float = 5.0


@dataclass(frozen=True)
class Channels:
    sms: bool = False  # some school has a text provider
    webhook_url: str | None = None
    max_attempts: int = 5
    backoff_seconds: float = 1.0
    ack_link_minutes: float = 120.0  # how long an acknowledge link in a text works
    email: bool = False  # a mail server (or GOV.UK Notify) is set up
    teams: bool = True  # Teams webhooks need nothing but the contact's URL
    # each school's text provider (the default for a school not named) and whether it calls
    providers: dict[str, str] = field(default_factory=dict)
    default_provider: str = "fake"

    def provider(self, school_urn: str) -> str:
        return self.providers.get(school_urn, self.default_provider)

    def texts(self, school_urn: str) -> bool:
        return self.sms and self.provider(school_urn) != "none"

    def calls(self, school_urn: str) -> bool:
        """GOV.UK Notify sends texts and emails but makes no calls."""
        return self.texts(school_urn) and self.provider(school_urn) != "notify"


class EscalationApplication(GroupCommitted):
    name = "escalation"

    def __init__(self, env: dict[str, str] | None = None, *, timing: Timing = Timing(),
                 channels: Channels = Channels(), clock: Clock = lambda: datetime.now(UTC)) -> None:
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

        return self._save_retrying(changes)

    # --- the scheduler's work ---

    def fire(self, aggregate_id: UUID) -> list[Aggregate]:
        """Record whatever has fallen due on one aggregate; a concurrent change is retried."""
        return self._save_retrying(lambda: self.due_changes(aggregate_id))

    def _save_retrying(self, changes: Callable[[], list[Aggregate]], attempts: int = 5
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
        """Many deadlines in one transaction; if any conflicts, each is fired on its own."""
        changed = [a for aggregate_id in aggregate_ids for a in self.due_changes(aggregate_id)]
        if not changed:
            return []
        try:
            self.save(*changed)
            return changed
        except IntegrityError:
            return [a for aggregate_id in aggregate_ids for a in self.fire(aggregate_id)]

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
            changed = [aggregate, *changed] if aggregate.pending_events else changed
        elif isinstance(aggregate, Escalation):
            watch = self.find(Watch.create_id(aggregate.visit_id), Watch, copy=False)
            meta = _escalation_meta(aggregate)
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
        after = failover(self, delivery, now) if delivery.failed else []
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

    def _contacts(self, escalation: Escalation, watch: Watch | None
                  ) -> Callable[[int], list[Contact]]:
        directory = self.ladder_contacts(escalation.trust_id, escalation.school_urn)
        buddy = watch.buddy if watch else None

        def for_level(level: int) -> list[Contact]:
            return contacts_for(level, buddy=buddy, directory=directory,
                                on_visit=set(escalation.on_visit),
                                duress=escalation.trigger == "duress")
        return for_level

    def _deliveries(self, escalation: Escalation, now: datetime, meta: Meta) -> list[Aggregate]:
        """The notifications of each step just recorded: SMS (voice too at the top), webhooks."""
        deliveries: list[Aggregate] = []
        for step in escalation.pending_events:
            contacts: list[Contact] | None = getattr(step, "contacts", None)
            if contacts is None:
                continue
            level: int = step.level  # type: ignore[attr-defined]
            message = {"escalation_id": str(escalation.id), "visit_id": str(escalation.visit_id),
                       "trust_id": escalation.trust_id, "school_urn": escalation.school_urn,
                       "level": level, "trigger": escalation.trigger,
                       "on_visit": list(escalation.on_visit),
                       "contacts": [{"person_id": c["person_id"], "role": c["role"]}
                                    for c in contacts]}
            wanted: list[tuple[str, str, str]] = []
            if self.channels.webhook_url:
                wanted.append(("webhook", "deployment", self.channels.webhook_url))
            for contact in contacts:
                if contact.get("webhook_url"):
                    wanted.append(("webhook", contact["person_id"], contact["webhook_url"]))
                school = escalation.school_urn
                if self.channels.texts(school) and contact.get("phone"):
                    wanted.append(("sms", contact["person_id"], contact["phone"]))
                    if level >= TOP_LEVEL and self.channels.calls(school):
                        wanted.append(("voice", contact["person_id"], contact["phone"]))
                if self.channels.email and contact.get("email"):
                    wanted.append(("email", contact["person_id"], contact["email"]))
                if self.channels.teams and contact.get("teams_webhook_url"):
                    wanted.append(("teams", contact["person_id"], contact["teams_webhook_url"]))
            roles = {c["person_id"]: str(c["role"]) for c in contacts}
            for channel, recipient, address in wanted:
                said = message
                if channel in ("sms", "email"):  # a link that acknowledges as its reader
                    link = self._ack_link(escalation, recipient, roles[recipient], now, meta)
                    deliveries.append(link)
                    said = {**message, "ack_code": link.code}
                deliveries.append(Delivery(
                    escalation.id, step.originator_version, channel, recipient,
                    escalation.visit_id, level, address, said, self.channels.max_attempts,
                    self.channels.backoff_seconds, now, meta))
        return deliveries

    def _ack_link(self, escalation: Escalation, person: str, role: str, now: datetime,
                  meta: Meta) -> AckLink:
        code = secrets.token_urlsafe(9)
        expires = now + timedelta(minutes=self.channels.ack_link_minutes)
        return AckLink(code, escalation.id, escalation.school_urn, person, role, expires, meta)

    # --- people ---

    @serialised(by="escalation_id")
    def acknowledge(self, escalation_id: UUID, school_urn: str, actor: Actor,
                    causation_id: UUID) -> Escalation:
        escalation = self.escalation(escalation_id, school_urn)
        meta = _command_meta(escalation, actor, causation_id)
        if escalation.acknowledge(actor.id, str(actor.role), self.clock(), meta):
            self.save(escalation)
        return escalation

    @serialised(by="escalation_id")
    def resolve(self, escalation_id: UUID, school_urn: str, actor: Actor, outcome: str,
                note: str, causation_id: UUID) -> Escalation:
        escalation = self.escalation(escalation_id, school_urn)
        meta = _command_meta(escalation, actor, causation_id)
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
        meta = _command_meta(escalation, actor, causation_id)
        watch = self.find(Watch.create_id(escalation.visit_id), Watch, copy=False)
        now = self.clock()
        escalation.no_contact(actor.id, now, self._contacts(escalation, watch), meta)
        if escalation.pending_events:
            self.save(escalation, *self._deliveries(escalation, now, meta))
        return escalation

    @serialised(by="school_urn")
    def set_directory(self, school_urn: str, contacts: list[Contact], meta: Meta) -> None:
        directory = (self.find(ContactDirectory.create_id(school_urn), ContactDirectory)
                     or ContactDirectory(school_urn, meta))
        directory.replace(contacts, meta)
        trust = meta["trust_id"]
        if school_urn == trust_directory(trust):  # the trust's leads: every school's ladder
            schools = [self.find(ContactDirectory.create_id(urn), ContactDirectory)
                       for urn in self.schools_with_contacts(trust)]
            changed = [directory, *self._recheck(trust, [s for s in schools if s], meta)]
        else:
            changed = [directory, *self._recheck(trust, [directory], meta)]
        changed = list({a.id: a for a in changed if a.pending_events}.values())
        if changed:
            self.save(*changed)

    def _recheck(self, trust: str, directories: list[ContactDirectory], meta: Meta
                 ) -> list[ContactDirectory]:
        leads = self.trust_leads(trust)
        for directory in directories:
            contacts = directory.contacts + ([] if directory.school_urn.startswith("trust:")
                                             else leads)
            directory.check_ladder(ladder_gaps(contacts),
                                   {**meta, "school_urn": directory.school_urn})
        return directories

    def schools_with_contacts(self, trust_id: str) -> list[str]:
        """The trust's schools that have set escalation contacts (never another trust's)."""
        topic = get_topic(ContactDirectory.Created)  # type: ignore[attr-defined]
        created = self.recorder.select_notifications(start=None, limit=100_000, topics=[topic])
        opened: list[Any] = [self.mapper.to_domain_event(n) for n in created]
        return sorted({e.school_urn for e in opened if e.meta.get("trust_id") == trust_id
                       and not e.school_urn.startswith("trust:")})

    def directory(self, school_urn: str) -> list[Contact]:
        found = self.find(ContactDirectory.create_id(school_urn), ContactDirectory, copy=False)
        return list(found.contacts) if found else []

    def trust_leads(self, trust_id: str) -> list[Contact]:
        """The trust's safety leads: told at level 4 for every school of the trust."""
        return self.directory(trust_directory(trust_id))

    def set_trust_leads(self, trust_id: str, contacts: list[Contact], meta: Meta) -> None:
        self.set_directory(trust_directory(trust_id), contacts, meta)

    def ladder_contacts(self, trust_id: str, school_urn: str) -> list[Contact]:
        """Everyone a school's ladder can reach: its own contacts, then the trust's safety leads
        (FallbackToEverySafetyLead: level 4 always includes them)."""
        return self.directory(school_urn) + self.trust_leads(trust_id)

    # --- queries ---

    def ladders(self, trust_id: str, schools: list[str] | None) -> list[dict[str, Any]]:
        """Each school's ladder, complete or not (and what it lacks). `schools`: the trust's
        schools; None when no schools file names them: then every school with a directory."""
        if schools is None:
            schools = self.schools_with_contacts(trust_id)
        report = []
        for school in schools:
            gaps = ladder_gaps(self.ladder_contacts(trust_id, school))
            report.append({"school_urn": school, "complete": not gaps, "missing": gaps})
        return report

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


def trust_directory(trust_id: str) -> str:
    """The key of a trust's own directory (its safety leads) beside its schools' URNs."""
    return f"trust:{trust_id}"


def _command_meta(escalation: Escalation, actor: Actor, causation_id: UUID) -> Meta:
    return {**_escalation_meta(escalation), "actor_id": actor.id, "actor_role": str(actor.role),
            "causation_id": str(causation_id)}


def _escalation_meta(escalation: Escalation) -> Meta:
    return {"trust_id": escalation.trust_id, "school_urn": escalation.school_urn,
            "actor_id": "escalation", "actor_role": "system",
            "correlation_id": escalation.correlation_id, "causation_id": "",
            "visit_id": str(escalation.visit_id)}


def _describe(event: Any) -> dict[str, Any]:
    fields = {k: v for k, v in event.__dict__.items()
              if k not in {"originator_id", "originator_version", "timestamp", "meta"}}
    actor = event.meta.get("actor_id", "")
    return {"event": type(event).__name__, "at": event.timestamp.isoformat(),
            "version": event.originator_version, "actor": actor,
            "details": {k: (str(v) if not isinstance(v, int | bool | list | dict | None) else v)
                        for k, v in fields.items()}}
