"""HTTP routes for assessments and decisions. Thin: parse, call one use case, answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import AssessmentIn, DecisionIn, ReviewIn, SignOffIn
from services.authorisation.domain import RiskAssessment, VisitCase
from services.authorisation.domain.household import Requirement
from shared.contracts.base import SchoolUrn
from shared.http.answers import request_id
from shared.security.tokens import CurrentPrincipal
from shared.service.process import runtime_of

router = APIRouter(prefix="/v1/schools/{urn}", tags=["assessments and decisions"])



def app_of(request: Request) -> AuthorisationApp:
    app = runtime_of(request).app
    assert isinstance(app, AuthorisationApp)
    return app


@router.post("/visits/{visit_id}/risk-assessments", status_code=201)
def record_assessment(urn: SchoolUrn, visit_id: UUID, body: AssessmentIn, request: Request,
                      principal: CurrentPrincipal) -> dict[str, Any]:
    """Record a risk assessment for the visit's household; publishes RiskAssessed."""
    assessment = app_of(request).record_assessment(visit_id, urn, body, principal.actor,
                                                   request_id(request))
    return assessment_view(assessment)


@router.post("/visits/{visit_id}/decision")
def decide(urn: SchoolUrn, visit_id: UUID, body: DecisionIn, request: Request,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """Authorise (VisitAuthorised with conditions) or decline (VisitDeclined); 409 names every
    broken rule."""
    app = app_of(request)
    case = app.decide(visit_id, urn, body, principal.actor, request_id(request))
    return {**case_view(case, app.requirement(case)), "decided_under": app.explain(case)}


@router.get("/visits/{visit_id}/authorisation")
def read_case(urn: SchoolUrn, visit_id: UUID, request: Request,
              principal: CurrentPrincipal) -> dict[str, Any]:
    """The request, the assessment it needs, its assessments and the decision."""
    app = app_of(request)
    case = app.visit(visit_id, urn)
    return {**case_view(case, app.requirement(case)), "decided_under": app.explain(case),
            "escalation_ladder": {"refusal": app.ladder_refusal(urn)}}


@router.get("/risk-assessments/{assessment_id}")
def read_assessment(urn: SchoolUrn, assessment_id: UUID, request: Request,
                    principal: CurrentPrincipal) -> dict[str, Any]:
    """One risk assessment with its details."""
    return assessment_view(app_of(request).assessment(assessment_id, urn))


@router.post("/risk-assessments/{assessment_id}/sign-off")
def sign_off(urn: SchoolUrn, assessment_id: UUID, body: SignOffIn, request: Request,
             principal: CurrentPrincipal) -> dict[str, Any]:
    """A senior leader signs the assessment off."""
    assessment = app_of(request).sign_off(assessment_id, urn, principal.actor, request_id(request))
    return assessment_view(assessment)


@router.post("/risk-assessments/{assessment_id}/review")
def review(urn: SchoolUrn, assessment_id: UUID, body: ReviewIn, request: Request,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """Review a full assessment: it stands again, against incidents before now, until the next
    review date."""
    assessment = app_of(request).review(assessment_id, urn, body, principal.actor,
                                        request_id(request))
    return assessment_view(assessment)


def assessment_view(assessment: RiskAssessment) -> dict[str, Any]:
    return {
        "assessment_id": str(assessment.id), "visit_id": str(assessment.visit_id),
        "household_id": assessment.household_id, "kind": assessment.kind,
        "score": assessment.score, "band": assessment.band,
        "review_date": assessment.review_date, "assessed_by": assessment.assessed_by,
        "signed_off": assessment.reviews, "details": assessment.details,
    }


def case_view(case: VisitCase, requirement: Requirement) -> dict[str, Any]:
    governing = requirement.governing
    return {
        "visit_id": str(case.visit_id), "school_urn": case.school_urn,
        "household_id": case.household_id, "staff_ids": case.staff_ids,
        "planned_date": case.request["planned_date"],
        "requirement": {"assessment": requirement.kind, "first_visit": requirement.first_visit,
                        "governing_assessment": governing.assessment_id if governing else None,
                        "shortfall": requirement.shortfall},
        "assessment_ids": case.assessment_ids, "decision": case.decision,
        "decided_by": case.decided_by, "conditions": case.conditions,
        "broken_rules": case.broken_rules,
        "closed_for_decisions": case.closed_for_decisions,
    }
