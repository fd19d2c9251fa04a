"""Events of risk assessments and authorisation decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from shared.contracts.base import Contract, Distinct, IntegrationEvent, Role, StaffId
from shared.contracts.sealed import Sealed


class RiskAssessed(IntegrationEvent):
    aggregate = "riskassessment"

    assessment_id: str
    kind: str = Field(pattern=r"^(initial|full|dynamic)$")
    household_id: str
    score: int = Field(ge=1, le=25)
    band: str = Field(pattern=r"^(low|medium|high|very_high)$")
    review_date: date | None = None
    assessed_by: StaffId


class EscalationPlan(Contract):
    """The school's ladder timings, carried to the escalation service on every authorisation."""

    grace_minutes: int = Field(5, ge=0, le=60)
    reminder_before_minutes: int = Field(5, ge=0, le=60)
    level2_after_minutes: int = Field(10, ge=0, le=240)
    level3_after_minutes: int = Field(15, ge=0, le=240)
    fallback_after_minutes: int = Field(15, ge=1, le=240)


class VisitConditions(Contract):
    """What the visits service enforces at sign-out."""

    min_staff: int = Field(1, ge=1)
    staff_ids: Annotated[list[StaffId], Distinct] = Field(default_factory=list)
    visit_date: date | None = None
    timezone: str | None = Field(
        None, pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$",
        description="the school's time zone (its policy pack's): the clock that reads the "
                    "visit's day and hours at sign-out")
    earliest_start: str | None = Field(None, pattern=r"^\d{2}:\d{2}$")
    latest_end: str | None = Field(None, pattern=r"^\d{2}:\d{2}$")
    drivers_need_valid_documents: bool = True
    cleared_drivers: Annotated[list[StaffId], Distinct] = Field(
        default_factory=list, description="staff whose licence, MOT and insurance are valid on the day"
    )
    doorstep_only: bool = False
    pair_upstairs: bool = False
    check_in_interval_minutes: int = Field(30, ge=5, le=240)
    no_one_home_wait_minutes: int = Field(20, ge=1, le=120)
    responsible_contact: StaffId | None = None
    dynamic_assessment_required: bool = Field(
        False, description="staff record a dynamic risk assessment at the door on arrival")
    escalation: EscalationPlan = Field(default_factory=EscalationPlan)


class BrokenRule(Contract):
    rule: str
    message: str
    policy: str
    citation: str


class VisitAuthorised(IntegrationEvent):
    aggregate = "authorisation"

    authorised_by: StaffId
    conditions: VisitConditions
    risk_score: int | None = None
    assessment_id: str | None = None
    policy_pack: str | None = Field(None, description="the school's pack and the version decided "
                                    "under, e.g. 'ordsall-primary v2 (2026-12)'")


class VisitDeclined(IntegrationEvent):
    aggregate = "authorisation"
    version = 2  # v2: reason sealed

    declined_by: StaffId
    broken_rules: list[BrokenRule] = Field(default_factory=list)
    reason: Sealed | None = None
    policy_pack: str | None = Field(None, description="the school's pack and the version decided "
                                    "under, e.g. 'ordsall-primary v2 (2026-12)'")


class StaffRolesChanged(IntegrationEvent):
    """A school's staff register: the roles a person holds there now (none: taken off it).
    Every service keeps the register from these; a school role acts only as the register says.

    The person's name, job title and mobile came later, as optional fields of the same version:
    sealed under the person's key (data subject `staff:<staff_id>`), absent from older events
    and from people recorded without them, and ignored by readers that predate them."""

    aggregate = "staffregister"

    staff_id: StaffId
    roles: Annotated[list[Role], Distinct] = Field(default_factory=list)
    name: Sealed | None = Field(None, description="the person's name, as colleagues know it")
    job_title: Sealed | None = None
    mobile: Sealed | None = Field(None, description="the person's mobile number")


class HouseholdDetailsRead(IntegrationEvent):
    """Someone opened a household's sealed details (the address, carers, phones): who, in which
    role, when (`occurred_at`), which fields and from where. Never the values. An auditor lists
    these to say who saw a household's address."""

    aggregate = "household"

    household_id: str = Field(min_length=1, max_length=64)
    read_by: StaffId
    role: Role
    fields: Annotated[list[str], Distinct] = Field(min_length=1, max_length=6)
    via: str = Field(pattern=r"^(sign-out|household|api)$")
