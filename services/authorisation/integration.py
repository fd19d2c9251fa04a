"""Stored domain events -> the integration events other services and integrators hear."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.contracts import IntegrationEvent
from shared.contracts.authorisation import (
    BrokenRule,
    HouseholdDetailsRead,
    RiskAssessed,
    StaffRolesChanged,
    VisitAuthorised,
    VisitConditions,
    VisitDeclined,
)
from shared.contracts.directory import SchoolArchived, SchoolChanged, SchoolDetails, SchoolOnboarded
from shared.contracts.meta import envelope_fields

SERVICE = "authorisation"


def translate(domain_event: Any) -> list[IntegrationEvent]:
    """What, if anything, a stored event tells the world. Deterministic ids: safe to repeat."""
    if _is(domain_event, "RiskAssessment.Recorded"):
        e = domain_event
        return [RiskAssessed(
            **envelope_fields(SERVICE, e, visit_id=e.visit_id),
            assessment_id=str(e.originator_id), kind=e.kind, household_id=e.household_id,
            score=e.score, band=e.band,
            review_date=date.fromisoformat(e.review_date) if e.review_date else None,
            assessed_by=e.assessed_by)]
    if _is(domain_event, "VisitCase.Authorised"):
        e = domain_event
        return [VisitAuthorised(
            **envelope_fields(SERVICE, e, visit_id=_visit_id(e)),
            authorised_by=e.authorised_by, conditions=VisitConditions(**e.conditions),
            risk_score=e.risk_score, assessment_id=e.assessment_id, policy_pack=e.policy_pack)]
    if _is(domain_event, "VisitCase.Declined"):
        e = domain_event
        return [VisitDeclined(
            **envelope_fields(SERVICE, e, visit_id=_visit_id(e)),
            declined_by=e.declined_by, reason=e.reason, policy_pack=e.policy_pack,
            broken_rules=[BrokenRule(**rule) for rule in e.broken_rules])]
    if _is(domain_event, "StaffRegister.MemberRecorded"):
        e = domain_event
        return [StaffRolesChanged(**envelope_fields(SERVICE, e, visit_id=None),
                                  staff_id=e.staff_id, roles=e.roles)]
    if _is(domain_event, "StaffRegister.PersonRecorded"):
        e = domain_event
        return [StaffRolesChanged(**envelope_fields(SERVICE, e, visit_id=None),
                                  staff_id=e.staff_id, roles=e.roles, name=e.name,
                                  job_title=e.job_title, mobile=e.mobile)]
    if _is(domain_event, "StaffRegister.MemberRemoved"):
        e = domain_event
        return [StaffRolesChanged(**envelope_fields(SERVICE, e, visit_id=None),
                                  staff_id=e.staff_id, roles=[])]
    if _is(domain_event, "Household.DetailsRead") or _is(domain_event,
                                                          "DetailsReads.DetailsRead"):
        e = domain_event
        return [HouseholdDetailsRead(**envelope_fields(SERVICE, e, visit_id=None),
                                     household_id=e.household_id, read_by=e.read_by,
                                     role=e.role, fields=e.fields, via=e.via)]
    if _is(domain_event, "School.Onboarded"):
        return [SchoolOnboarded(**envelope_fields(SERVICE, domain_event, visit_id=None),
                                details=SchoolDetails(**domain_event.details))]
    if _is(domain_event, "School.Changed"):
        return [SchoolChanged(**envelope_fields(SERVICE, domain_event, visit_id=None),
                              details=SchoolDetails(**domain_event.details))]
    if _is(domain_event, "School.Archived"):
        return [SchoolArchived(**envelope_fields(SERVICE, domain_event, visit_id=None),
                               reason=domain_event.reason)]
    return []


def _is(domain_event: Any, qualname: str) -> bool:
    """By name within the service's domain package, so that no event of another service with the
    same class name is ever translated as one of ours."""
    kind = type(domain_event)
    return (kind.__module__.startswith("services.authorisation.domain")
            and kind.__qualname__ == qualname)


def _visit_id(domain_event: Any) -> Any:
    return domain_event.originator_id
