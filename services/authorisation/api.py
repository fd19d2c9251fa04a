"""HTTP routes of the authorisation service. Thin: parse, call one use case, answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from services.authorisation.application import AuthorisationApp
from services.authorisation.domain import RiskAssessment, VisitCase
from services.authorisation.schemas import AssessmentIn, DecisionIn
from shared.auth import CurrentPrincipal
from shared.contracts.base import SchoolUrn
from shared.http import request_id
from shared.service import runtime_of

router = APIRouter(prefix="/v1/schools/{urn}/visits/{visit_id}", tags=["decisions"])


def app_of(request: Request) -> AuthorisationApp:
    app = runtime_of(request).app
    assert isinstance(app, AuthorisationApp)
    return app


@router.post("/risk-assessments", status_code=201)
def record_assessment(urn: SchoolUrn, visit_id: UUID, body: AssessmentIn, request: Request,
                      principal: CurrentPrincipal) -> dict[str, Any]:
    """Record a risk assessment for the visit's household; publishes RiskAssessed."""
    assessment = app_of(request).record_assessment(visit_id, urn, body, principal.actor,
                                                   request_id(request))
    runtime_of(request).nudge_relay()
    return assessment_view(assessment)


@router.post("/decision")
def decide(urn: SchoolUrn, visit_id: UUID, body: DecisionIn, request: Request,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """Authorise (VisitAuthorised with conditions) or decline (VisitDeclined) the visit."""
    case = app_of(request).decide(visit_id, urn, body, principal.actor, request_id(request))
    runtime_of(request).nudge_relay()
    return case_view(case)


@router.get("/authorisation")
def read_case(urn: SchoolUrn, visit_id: UUID, request: Request,
              principal: CurrentPrincipal) -> dict[str, Any]:
    """What authorisation knows of the visit: the request, assessments and the decision."""
    return case_view(app_of(request).visit(visit_id, urn))


def assessment_view(assessment: RiskAssessment) -> dict[str, Any]:
    return {
        "assessment_id": str(assessment.id), "visit_id": str(assessment.visit_id),
        "household_id": assessment.household_id, "kind": assessment.kind,
        "score": assessment.score, "band": assessment.band,
        "review_date": assessment.review_date, "assessed_by": assessment.assessed_by,
        "details": assessment.details,
    }


def case_view(case: VisitCase) -> dict[str, Any]:
    return {
        "visit_id": str(case.visit_id), "school_urn": case.school_urn,
        "household_id": case.household_id, "staff_ids": case.staff_ids,
        "planned_date": case.request["planned_date"], "assessment_ids": case.assessment_ids,
        "decision": case.decision, "decided_by": case.decided_by,
        "conditions": case.conditions, "broken_rules": case.broken_rules,
    }
