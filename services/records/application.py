"""Use cases of the records service: the audit trail, and the records it keeps itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from services.records import projections
from services.records.chain import Checkpoint, timestamp
from services.records.domain import (
    AuditCheckpointTaken,
    Correction,
    Incident,
    SafeguardingConcern,
    Shredding,
    VisitFeedback,
    WriteUp,
    record_id,
)
from services.records.personal import sealed_correction, sealed_write_up, subject_of
from services.records.settings import RecordsSettings
from services.records.trail import Appended, Selection, Trail
from services.records.workday import share_by
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.base import TRUST_WIDE_URN
from shared.contracts.errors import Conflict, NotFound
from shared.contracts.meta import Meta, command_meta
from shared.storage.commands import serialised
from shared.storage.groupcommit import GroupCommitted
from shared.storage.keystore import DataSubject
from shared.storage.sealing import Sealer

Clock = Callable[[], datetime]
A = TypeVar("A", bound=Aggregate)
SYSTEM = Actor(id="records", role=Role.SYSTEM)


class RecordsApplication(GroupCommitted):
    name = "records"

    def __init__(self, env: dict[str, str] | None = None, *, trail: Trail, sealer: Sealer,
                 settings: RecordsSettings | None = None,
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        super().__init__(env)
        self.trail = trail
        self.sealer = sealer
        self.settings = settings or RecordsSettings()
        self.zone = ZoneInfo(self.settings.timezone)
        self.clock = clock

    # -- the trail ----------------------------------------------------------------------------
    def record(self, event: IntegrationEvent) -> Appended:
        """Append one event from any service to its trust's trail, once, with its projections."""
        return self.trail.append(event, also=projections.apply_all)

    def record_many(self, events: list[IntegrationEvent]) -> list[Appended]:
        """One trust's events, in order, in one transaction with their projections."""
        return self.trail.append_many(events, also=projections.apply_all)

    def history(self, selection: Selection) -> list[dict[str, Any]]:
        """In trail order, personal fields opened (`[shredded]` once erased). Empty, not 404:
        records cannot tell "no such visit" from "not yet"."""
        return [self.sealer.unsealed(entry) for entry in self.trail.history(selection)]

    def take_checkpoints(self) -> list[Checkpoint]:
        """Anchor each trust's head: stored, published on NATS, kept for export."""
        taken = []
        for trust in self.trail.trusts():
            length, head = self.trail.head(trust)
            known = self.trail.checkpoints(trust)
            if length == 0 or (known and known[-1].count >= length):
                continue
            meta = command_meta(trust_id=trust, school_urn=TRUST_WIDE_URN, actor=SYSTEM,
                                correlation_id=record_id("checkpoint", trust),
                                causation_id=None)
            checkpoint = AuditCheckpointTaken(length, head, meta,
                                              id=record_id("checkpoint", f"{trust}/{length}"))
            self._save_once(checkpoint)
            anchor = Checkpoint(trust, length, head, timestamp(self.clock()))
            self.trail.add_checkpoint(anchor)
            taken.append(anchor)
        return taken

    # -- incidents, concerns, write-ups, corrections -----------------------------------------
    def report_incident(self, visit_id: UUID | None, report: dict[str, Any], meta: Meta,
                        key: str) -> Incident:
        deadline = share_by(self.clock(), self.settings.day_end(meta["school_urn"]), self.zone)
        record = record_id("incident", key)
        subject = subject_of(self.trail, meta["trust_id"], visit_id, None, record)
        report = report | {"description": self.sealer.seal(subject, report["description"])}
        incident = Incident(visit_id, report, deadline, with_visit(meta, visit_id), id=record)
        return self._save_once(incident)

    @serialised(by="incident_id")
    def share_incident(self, incident_id: UUID, school_urn: str, headteacher: str,
                       meta: Meta) -> Incident:
        incident = self._get(Incident, incident_id, school_urn)
        incident.share(headteacher, self.clock(), with_visit(meta, incident.visit_id))
        self.save(incident)
        return incident

    def raise_overdue_reports(self) -> list[UUID]:
        """IncidentSharedWithHeadteacherByEndOfWorkingDay: each unshared late report, once."""
        now = self.clock()
        raised = []
        for incident_id in projections.incidents_due(self.trail.engine, timestamp(now)):
            if self._mark_overdue(UUID(incident_id), now):
                raised.append(UUID(incident_id))
        return raised

    @serialised(by="incident_id")
    def _mark_overdue(self, incident_id: UUID, now: datetime) -> bool:
        incident = self._get(Incident, incident_id, None)
        meta = command_meta(trust_id=incident.trust_id, school_urn=incident.school_urn,
                            actor=SYSTEM, correlation_id=incident.id, causation_id=None)
        if incident.check_overdue(now, with_visit(meta, incident.visit_id)):
            self.save(incident)
            return True
        return False

    def raise_concern(self, visit_id: UUID | None, concern: dict[str, Any], meta: Meta,
                      key: str) -> SafeguardingConcern:
        record = record_id("concern", key)
        subject = subject_of(self.trail, meta["trust_id"], visit_id, concern.get("pupil_ids"),
                             record)
        concern = concern | {"description": self.sealer.seal(subject, concern["description"])}
        raised = SafeguardingConcern(visit_id, concern, with_visit(meta, visit_id), id=record)
        return self._save_once(raised)

    @serialised(by="concern_id")
    def receive_concern(self, concern_id: UUID, school_urn: str, dsl: str, meta: Meta
                        ) -> SafeguardingConcern:
        concern = self._get(SafeguardingConcern, concern_id, school_urn)
        concern.receive(dsl, with_visit(meta, concern.visit_id))
        self.save(concern)
        return concern

    def write_up(self, visit_id: UUID, write_up: dict[str, Any], meta: Meta, key: str
                 ) -> WriteUp:
        record = record_id("writeup", key)
        subject = subject_of(self.trail, meta["trust_id"], visit_id, None, record)
        written = WriteUp(visit_id, sealed_write_up(self.sealer, subject, write_up),
                          with_visit(meta, visit_id), id=record)
        return self._save_once(written)

    def give_feedback(self, visit_id: UUID, feedback: dict[str, Any], meta: Meta, key: str
                      ) -> VisitFeedback:
        record = record_id("feedback", key)
        subject = subject_of(self.trail, meta["trust_id"], visit_id, None, record)
        feedback = feedback | {"feedback": self.sealer.seal(subject, feedback["feedback"])}
        return self._save_once(VisitFeedback(visit_id, feedback, with_visit(meta, visit_id),
                                             id=record))

    @serialised(by="feedback_id")
    def hold_debrief(self, feedback_id: UUID, school_urn: str, by: str, note: str | None,
                     meta: Meta) -> VisitFeedback:
        found = self._get(VisitFeedback, feedback_id, school_urn)
        if not found.feedback.get("debrief_requested"):
            raise Conflict("no debrief was asked for with this feedback")
        subject = subject_of(self.trail, meta["trust_id"], found.visit_id, None, found.id)
        sealed = self.sealer.seal(subject, note) if note else None
        if found.hold_debrief(by, sealed, with_visit(meta, found.visit_id)):
            self.save(found)
        return found

    def feedback_since(self, trust_id: str, school_urn: str, since: str) -> list[dict[str, Any]]:
        """The school's feedback and debriefs from `since` (fixed-width UTC text), from the trail,
        the words opened for the senior leaders who review the policy."""
        entries = self.trail.history(Selection(
            trust_id=trust_id, school_urn=school_urn,
            types=("VisitFeedbackGiven", "DebriefHeld")))
        held = {e["payload"]["feedback_id"]: e for e in entries if e["type"] == "DebriefHeld"}
        return [{"feedback_id": e["payload"]["feedback_id"], "visit_id": e["visit_id"],
                 "given_at": e["occurred_at"], "given_by": e["payload"]["given_by"],
                 "feedback": self.sealer.unseal(e["payload"]["feedback"]),
                 "difficult": e["payload"].get("difficult", False),
                 "debrief_requested": e["payload"].get("debrief_requested", False),
                 "debrief_held_by": (held.get(e["payload"]["feedback_id"]) or {}).get(
                     "payload", {}).get("held_by")}
                for e in entries if e["type"] == "VisitFeedbackGiven"
                and e["occurred_at"] >= since]

    def correct(self, trust_id: str, corrects_event_id: str, reason: str,
                correction: dict[str, str], meta: Meta, key: str,
                schools: tuple[str, ...] | None = None) -> Correction:
        """`schools`: the only schools whose entries this person may correct (None: any)."""
        entry = self.trail.entry(trust_id, corrects_event_id)
        if entry is None or (schools is not None and entry["school_urn"] not in schools):
            raise NotFound(f"the trail has no entry for event {corrects_event_id}")
        visit = UUID(entry["visit_id"]) if entry["visit_id"] else None
        meta = {**meta, "school_urn": entry["school_urn"]}
        record = record_id("correction", key)
        subject = subject_of(self.trail, trust_id, visit, entry["payload"].get("pupil_ids"), record)
        reason, correction = sealed_correction(self.sealer, subject, reason, correction)
        fix = Correction(visit, corrects_event_id, reason, correction, with_visit(meta, visit),
                         id=record)
        return self._save_once(fix)

    # -- retention and erasure ------------------------------------------------------------------
    def shred(self, subject: DataSubject, basis: str, decision: str, actor: Actor,
              school_urn: str = TRUST_WIDE_URN, *, tidy: bool = True) -> Shredding:
        """Record the shredding, then destroy the subject's keys. Repeating it after a stop in
        between finds the same record and destroys what is left."""
        live = [k.key_id for k in self.sealer.store.records(subject) if k.destroyed_at is None]
        if not live:
            raise Conflict(f"nothing of {subject.ref} is held under a live key: already shredded, "
                           "or never recorded")
        meta = command_meta(trust_id=subject.trust_id, school_urn=school_urn, actor=actor,
                            correlation_id=record_id("shredding", subject.ref),
                            causation_id=None)
        shredding = self._save_once(Shredding(
            subject.kind, subject.id, live, basis, decision, actor.id, with_visit(meta, None),
            id=record_id("shredding", f"{subject.trust_id}/{subject.ref}/{','.join(live)}")))
        self.sealer.store.destroy(subject, by=actor.id, why=f"{basis}: {decision}", tidy=tidy)
        return shredding

    # -- helpers --------------------------------------------------------------------------------
    def _save_once(self, aggregate: A) -> A:
        """Saving a record under an id already used returns what is stored: retries are safe."""
        try:
            self.save(aggregate)
        except IntegrityError:
            stored: A = self.repository.get(aggregate.id)
            return stored
        return aggregate

    def _get(self, kind: type[A], record: UUID, school_urn: str | None) -> A:
        found: A | None = self.find(record, kind)
        if found is None or (school_urn and found.school_urn != school_urn):  # type: ignore[attr-defined]
            raise NotFound(f"no {kind.__name__.lower()} {record}"
                           + (f" at school {school_urn}" if school_urn else ""))
        return found


def with_visit(meta: Meta, visit_id: UUID | None) -> Meta:
    return {**meta, "visit_id": str(visit_id) if visit_id else ""}
