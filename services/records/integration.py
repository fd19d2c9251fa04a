"""Stored records events become the published integration events of the records contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.records import domain
from shared.contracts import IntegrationEvent
from shared.contracts import records as contract
from shared.contracts.meta import envelope_fields

SERVICE = "records"


def _reported(base: dict[str, Any], e: Any) -> IntegrationEvent:
    return contract.IncidentReported(**base, **e.report, share_by=e.share_by,
                                     incident_id=str(e.originator_id))


def _raised(base: dict[str, Any], e: Any) -> IntegrationEvent:
    return contract.SafeguardingConcernRaised(
        **base, **e.concern, concern_id=str(e.originator_id),
        police_must_be_called=bool(e.concern.get("immediate_risk")))


PUBLISHED: dict[type[Any], Callable[[dict[str, Any], Any], IntegrationEvent]] = {
    domain.Incident.Reported: _reported,  # type: ignore[attr-defined]
    domain.Incident.Shared: lambda base, e: contract.IncidentShared(  # type: ignore[attr-defined]
        **base, incident_id=str(e.originator_id), shared_with=e.shared_with, on_time=e.on_time),
    domain.Incident.Overdue: lambda base, e: contract.IncidentReportOverdue(  # type: ignore[attr-defined]
        **base, incident_id=str(e.originator_id), share_by=e.share_by),
    domain.SafeguardingConcern.Raised: _raised,  # type: ignore[attr-defined]
    domain.SafeguardingConcern.Received: lambda base, e: (  # type: ignore[attr-defined]
        contract.SafeguardingConcernReceived(**base, concern_id=str(e.originator_id),
                                             received_by=e.received_by)),
    domain.WriteUp.WrittenUp: lambda base, e: contract.VisitWrittenUp(  # type: ignore[attr-defined]
        **base, **e.write_up, writeup_id=str(e.originator_id)),
    domain.VisitFeedback.Given: lambda base, e: contract.VisitFeedbackGiven(  # type: ignore[attr-defined]
        **base, **e.feedback, feedback_id=str(e.originator_id)),
    domain.VisitFeedback.DebriefHeld: lambda base, e: contract.DebriefHeld(  # type: ignore[attr-defined]
        **base, feedback_id=str(e.originator_id), held_by=e.held_by, note=e.note),
    domain.Correction.Corrected: lambda base, e: contract.EntryCorrected(  # type: ignore[attr-defined]
        **base, correction_id=str(e.originator_id), corrects_event_id=e.corrects_event_id,
        reason=e.reason, correction=e.correction),
    domain.Shredding.Shredded: lambda base, e: contract.SubjectShredded(  # type: ignore[attr-defined]
        **base, subject_kind=e.subject_kind, subject_id=e.subject_id, key_ids=e.key_ids,
        basis=e.basis, decision=e.decision, decided_by=e.decided_by),
    domain.AuditCheckpointTaken.Taken: lambda base, e: contract.AuditCheckpoint(  # type: ignore[attr-defined]
        **base, length=e.length, head_hash=e.head_hash),
}


def translate(domain_event: Any) -> list[IntegrationEvent]:
    build = PUBLISHED.get(type(domain_event))
    if build is None:
        return []
    visit_id = domain_event.meta.get("visit_id") or None
    return [build(envelope_fields(SERVICE, domain_event, visit_id=visit_id), domain_event)]
