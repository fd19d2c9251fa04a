"""HTTP routes for the staff register, households and pupils. Thin: parse, call one use case,
answer. Names, addresses and phones are opened only here, for the roles the access policy
allows each route."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from services.authorisation.api.decisions import app_of
from services.authorisation.commands import HouseholdIn, StaffMemberIn
from services.authorisation.households import household_view
from services.authorisation.people import colleague_view, staff_view
from shared.contracts.base import SchoolUrn, StaffId
from shared.contracts.errors import Invalid
from shared.security.tokens import CurrentPrincipal

MAX_UPNS = 20  # pupils looked up by UPN at once (a page's list)
router = APIRouter(prefix="/v1/schools/{urn}", tags=["staff, households and pupils"])
HouseholdId = Annotated[str, Path(pattern=r"^[\w.:-]{1,64}$",
                                  description="the school's household (or family) id")]


@router.get("/staff")
def read_staff(urn: SchoolUrn, request: Request, principal: CurrentPrincipal
               ) -> list[dict[str, Any]]:
    """The school's staff register: names, job titles, mobiles, roles and drivers' documents."""
    return [staff_view(e) for _, e in sorted(app_of(request).staff(urn).items())]


@router.get("/colleagues")
def read_colleagues(urn: SchoolUrn, request: Request, principal: CurrentPrincipal
                    ) -> list[dict[str, Any]]:
    """The school's staff by name, to choose who goes on a visit: names, job titles and roles;
    no phones, no documents."""
    return [colleague_view(e) for e in app_of(request).colleagues(urn)]


@router.put("/staff/{staff_id}")
def record_staff(urn: SchoolUrn, staff_id: StaffId, body: StaffMemberIn, request: Request,
                 principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Add or replace one member of staff (name, job title and mobile are sealed)."""
    app = app_of(request)
    app.record_staff_member(urn, staff_id, body, principal.actor, principal.trust_id)
    return read_staff(urn, request, principal)


@router.delete("/staff/{staff_id}")
def remove_staff(urn: SchoolUrn, staff_id: StaffId, request: Request,
                 principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """A leaver: taken off the register, and refused by every service from then on."""
    app_of(request).remove_staff_member(urn, staff_id, principal.actor, principal.trust_id)
    return read_staff(urn, request, principal)


@router.get("/households/{household_id}")
def read_household(urn: SchoolUrn, household_id: HouseholdId, request: Request,
                   principal: CurrentPrincipal) -> dict[str, Any]:
    """A household's carers, address, phones, other adults and pupils."""
    entry = app_of(request).household_read(urn, household_id, principal.actor,
                                           principal.trust_id, via="household")
    assert entry is not None  # a household not on the roll answers 404
    return household_view(entry)


@router.get("/visits/{visit_id}/sign-out-form")
def sign_out_form(urn: SchoolUrn, visit_id: UUID, request: Request, principal: CurrentPrincipal
                  ) -> dict[str, Any]:
    """The sign-out form filled in from the register and the household, for the staff going."""
    app = app_of(request)
    return app.sign_out_form(app.visit(visit_id, urn), principal.actor, principal.trust_id)


@router.put("/households/{household_id}")
def record_household(urn: SchoolUrn, household_id: HouseholdId, body: HouseholdIn,
                     request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """Record a household whole; its pupils move here, pupils no longer listed leave the roll."""
    entry = app_of(request).record_household(urn, household_id, body, principal.actor,
                                             principal.trust_id)
    return household_view(entry)


@router.get("/pupils")
def find_pupils(urn: SchoolUrn, request: Request, principal: CurrentPrincipal,
                name: Annotated[str | None, Query(min_length=1, max_length=100,
                                                  description="part of the pupil's name, or a "
                                                              "UPN")] = None,
                upn: Annotated[list[str] | None, Query(max_length=MAX_UPNS, description=(
                    f"instead of a name: up to {MAX_UPNS} UPNs, each pupil on the roll"))] = None
                ) -> list[dict[str, str]]:
    """Pupils of the school by name (case and accents aside), or by their UPNs, each with their
    household id."""
    if (name is None) == (upn is None):
        raise Invalid("give either name= (part of a pupil's name) or upn= (one or more UPNs)")
    if upn:
        return app_of(request).pupils_by_upn(urn, upn)
    return app_of(request).find_pupils(urn, name or "")
