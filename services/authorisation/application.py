"""Use cases of the authorisation service, on its own event store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from services.authorisation.assessments import band_of
from services.authorisation.domain import Meta, RiskAssessment, VisitCase
from services.authorisation.rules import very_high_risk
from services.authorisation.schemas import AssessmentIn, DecisionIn
from shared.contracts import Actor, Role
from shared.contracts.authorisation import VisitConditions
from shared.contracts.visits import VisitRequested
from shared.errors import Conflict, NotFound, RulesBroken
from shared.meta import command_meta, reaction_meta

SERVICE_ACTOR = Actor(id="authorisation", role=Role.SYSTEM)


class AuthorisationApp(Application[UUID]):
    name = "authorisation"

    def record_request(self, requested: VisitRequested) -> bool:
        """Keep what was asked for. True if it changed anything (redelivery changes nothing)."""
        assert requested.visit_id is not None
        request = _request_of(requested)
        meta = reaction_meta(requested, SERVICE_ACTOR)
        source = str(requested.event_id)
        try:
            case = self._case(requested.visit_id)
        except NotFound:
            self.save(VisitCase(visit_id=requested.visit_id, request=request,
                                source_event_id=source, meta=meta))
            return True
        if source in case.seen_events:
            return False
        case.change_request(request=request, source_event_id=source, meta=meta)
        self.save(case)
        return True

    def visit(self, visit_id: UUID, school_urn: str) -> VisitCase:
        case = self._case(visit_id)
        if case.school_urn != school_urn:
            raise NotFound(f"visit {visit_id} is not a visit of school {school_urn}")
        return case

    def assessment(self, assessment_id: UUID) -> RiskAssessment:
        try:
            found: RiskAssessment = self.repository.get(assessment_id)
        except AggregateNotFoundError:
            raise NotFound(f"no risk assessment {assessment_id}") from None
        return found

    def record_assessment(self, visit_id: UUID, school_urn: str, body: AssessmentIn, actor: Actor,
                          request_id: UUID) -> RiskAssessment:
        case = self.visit(visit_id, school_urn)
        meta = self._command_meta(case, actor, request_id)
        assert body.score is not None
        assessment = RiskAssessment(
            school_urn=school_urn, household_id=case.household_id, visit_id=visit_id,
            kind=str(body.kind), score=body.score, band=str(band_of(body.score)),
            review_date=body.review_date.isoformat() if body.review_date else None, details={},
            assessed_by=actor.id, assessed_role=str(actor.role),
            recorded_at=datetime.now(UTC).isoformat(), meta=meta)
        case.attach_assessment(assessment_id=str(assessment.id), meta=meta)
        self._save(assessment, case)
        return assessment

    def decide(self, visit_id: UUID, school_urn: str, body: DecisionIn, actor: Actor,
               request_id: UUID) -> VisitCase:
        case = self.visit(visit_id, school_urn)
        meta = self._command_meta(case, actor, request_id)
        if not case.assessment_ids:
            raise Conflict(f"visit {visit_id} has no risk assessment yet: record one with "
                           f"POST /v1/schools/{school_urn}/visits/{visit_id}/risk-assessments")
        latest = self.assessment(UUID(case.assessment_ids[-1]))
        broken = very_high_risk(latest.score)
        pack = "skeleton"
        if body.decision == "decline":
            case.decline(declined_by=actor.id, broken_rules=[b.as_dict() for b in broken],
                         reason=body.reason, policy_pack=pack, meta=meta)
        elif broken:
            raise RulesBroken(
                f"visit {visit_id} cannot be authorised: {len(broken)} rule(s) broken: "
                + ", ".join(b.rule for b in broken),
                details=[f"{b.rule}: {b.message} ({b.policy}, {b.citation})" for b in broken])
        else:
            staff = body.staff_ids or case.staff_ids
            conditions = VisitConditions(min_staff=1, staff_ids=staff,
                                         visit_date=case.planned_date)
            case.authorise(authorised_by=actor.id, conditions=conditions.model_dump(mode="json"),
                           risk_score=latest.score, assessment_id=str(latest.id),
                           policy_pack=pack, meta=meta)
        self._save(case)
        return case

    def _case(self, visit_id: UUID) -> VisitCase:
        try:
            case: VisitCase = self.repository.get(VisitCase.create_id(visit_id))
        except AggregateNotFoundError:
            raise NotFound(f"visit {visit_id} is not known to authorisation: if it was just "
                           "requested, its request may not have arrived yet; retry shortly") from None
        return case

    def _command_meta(self, case: VisitCase, actor: Actor, request_id: UUID) -> Meta:
        return command_meta(trust_id=case.request["trust_id"], school_urn=case.school_urn,
                            actor=actor, correlation_id=UUID(case.meta["correlation_id"]),
                            causation_id=request_id)

    def _save(self, *aggregates: Any) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise Conflict("this visit changed while your request was handled: "
                           "read it again and retry") from None


def _request_of(requested: VisitRequested) -> dict[str, Any]:
    return {
        "trust_id": requested.trust_id,
        "school_urn": requested.school_urn,
        "household_id": requested.household_id,
        "staff_ids": list(requested.staff_ids),
        "planned_date": requested.planned_date.isoformat(),
        "planned_start": requested.planned_start.isoformat(),
        "planned_end": requested.planned_end.isoformat(),
        "announced": requested.announced,
        "reason_code": requested.reason_code,
        "requested_by": requested.requested_by,
    }
