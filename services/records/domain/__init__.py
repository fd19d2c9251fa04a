"""What records keeps itself: incidents, safeguarding concerns, write-ups, corrections. Pure.

A package, like every service's `domain/`; its aggregates live in this `__init__` so that
their stored events keep the topics (`services.<service>.domain:...`) they were saved under.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.errors import Conflict
from shared.contracts.meta import Meta

# Rules, each with the policy line it comes from.
INCIDENT_SHARED_BY_END_OF_WORKING_DAY = (
    "IncidentSharedWithHeadteacherByEndOfWorkingDay",
    "west-norfolk-academies-trust 2.6: 'All incident report forms must be shared with the "
    "Headteacher by the end of the working day.'; ordsall-primary: 'Any issues or incidents "
    "during a home visit will be reported to the headteacher.'")
CONCERN_TO_DSL_AT_ONCE = (
    "SafeguardingConcernGoesToDslAtOnce",
    "blue-coat-ce-secondary: 'Let the DSL know immediately if there are any concerns'; "
    "ordsall-primary: 'report any safeguarding concerns to the DSL or deputy DSL as soon as "
    "possible'")
IMMEDIATE_RISK_MEANS_POLICE = (
    "ImmediateRiskMeansCallThePolice",
    "west-norfolk-academies-trust: 'If there is sufficient concern that a child is at immediate "
    "risk, staff should call the police on 999 for a welfare check and inform DSL.'")


def record_id(kind: str, key: str) -> UUID:
    """Deterministic ids: the same request or reaction twice names the same record."""
    return uuid5(NAMESPACE_URL, f"doorstep:records:{kind}:{key}")


class Incident(Aggregate):
    """An incident report, which must reach the headteacher by the end of the working day."""

    @event("Reported")
    def __init__(self, visit_id: UUID | None, report: dict[str, Any], share_by: datetime,
                 meta: Meta, *, id: UUID) -> None:
        self.visit_id = visit_id
        self.trust_id = meta["trust_id"]
        self.school_urn = meta["school_urn"]
        self.report = report
        self.share_by = share_by
        self.shared_with: str | None = None
        self.overdue = False

    def share(self, headteacher: str, now: datetime, meta: Meta) -> None:
        if self.shared_with is not None:
            if self.shared_with == headteacher:
                return
            raise Conflict(f"this incident was already shared with {self.shared_with}")
        self._shared(headteacher, now <= self.share_by, meta)

    @event("Shared")
    def _shared(self, shared_with: str, on_time: bool, meta: Meta) -> None:
        self.shared_with = shared_with

    def check_overdue(self, now: datetime, meta: Meta) -> bool:
        """IncidentSharedWithHeadteacherByEndOfWorkingDay: once past the deadline, say so once."""
        if self.shared_with is not None or self.overdue or now <= self.share_by:
            return False
        self._overdue(self.share_by, meta)
        return True

    @event("Overdue")
    def _overdue(self, share_by: datetime, meta: Meta) -> None:
        self.overdue = True


class SafeguardingConcern(Aggregate):
    """A concern for a pupil: the DSL hears at once; immediate risk means police."""

    @event("Raised")
    def __init__(self, visit_id: UUID | None, concern: dict[str, Any], meta: Meta, *,
                 id: UUID) -> None:
        self.visit_id = visit_id
        self.trust_id = meta["trust_id"]
        self.school_urn = meta["school_urn"]
        self.concern = concern
        self.police_must_be_called = bool(concern.get("immediate_risk"))
        self.received_by: str | None = None

    def receive(self, dsl: str, meta: Meta) -> None:
        if self.received_by is None:
            self._received(dsl, meta)

    @event("Received")
    def _received(self, received_by: str, meta: Meta) -> None:
        self.received_by = received_by


class WriteUp(Aggregate):
    @event("WrittenUp")
    def __init__(self, visit_id: UUID, write_up: dict[str, Any], meta: Meta, *,
                 id: UUID) -> None:
        self.visit_id = visit_id
        self.write_up = write_up


class VisitFeedback(Aggregate):
    """Staff feedback after a visit, for the policy's next review; a debrief asked for after a
    difficult visit, and, once held, who held it."""

    @event("Given")
    def __init__(self, visit_id: UUID, feedback: dict[str, Any], meta: Meta, *,
                 id: UUID) -> None:
        self.visit_id = visit_id
        self.school_urn = meta["school_urn"]
        self.feedback = feedback
        self.debrief_held_by: str | None = None

    def hold_debrief(self, by: str, note: str | None, meta: Meta) -> bool:
        """Recorded once; False if it was not asked for or is already recorded."""
        if not self.feedback.get("debrief_requested") or self.debrief_held_by is not None:
            return False
        self._debrief_held(by, note, meta)
        return True

    @event("DebriefHeld")
    def _debrief_held(self, held_by: str, note: str | None, meta: Meta) -> None:
        self.debrief_held_by = held_by


class Correction(Aggregate):
    """Court-safe: the corrected entry stays; this says what was wrong and why."""

    @event("Corrected")
    def __init__(self, visit_id: UUID | None, corrects_event_id: str, reason: str,
                 correction: dict[str, str], meta: Meta, *, id: UUID) -> None:
        self.visit_id = visit_id
        self.corrects_event_id = corrects_event_id
        self.reason = reason
        self.correction = correction


class AuditCheckpointTaken(Aggregate):
    """A trust's trail head at one length; the same length twice is the same checkpoint."""

    @event("Taken")
    def __init__(self, length: int, head_hash: str, meta: Meta, *, id: UUID) -> None:
        self.length = length
        self.head_hash = head_hash


class Shredding(Aggregate):
    """A data subject's keys destroyed, on a retention date or a DSL's erasure decision. The
    same keys twice are the same shredding, so a run that stopped half-way can be repeated."""

    @event("Shredded")
    def __init__(self, subject_kind: str, subject_id: str, key_ids: list[str], basis: str,
                 decision: str, decided_by: str, meta: Meta, *, id: UUID) -> None:
        self.subject_kind = subject_kind
        self.subject_id = subject_id
        self.key_ids = key_ids
        self.basis = basis
