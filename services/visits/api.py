"""HTTP routes of the visits service: thin; the rules live in the domain."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.visits.application import VisitsApplication
from services.visits.views import visit_view
from shared.contracts.base import Distinct, StaffId, distinct
from shared.contracts.meta import Meta, command_meta
from shared.contracts.visits import Phone, Reference
from shared.http.answers import request_id
from shared.http.direct import DirectRoute
from shared.security.tenancy import trust_of
from shared.security.tokens import CurrentPrincipal, Principal
from shared.service.process import runtime_of

Urn = Annotated[str, Path(pattern=r"^\d{6}$", description="the school's URN (6 digits)")]
Via = Annotated[Literal["board", "visit", "acknowledgement", "api"], Query(
    description="the page it is opened from, for the record of who opened it")]
router = APIRouter(prefix="/v1/schools/{urn}/visits", tags=["visits"], route_class=DirectRoute)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisitRequest(Body):
    household_id: Reference
    pupil_ids: Annotated[list[Reference], Distinct] = Field(default_factory=list, max_length=50)
    purpose: str = Field(min_length=3, max_length=2000)
    reason_code: str | None = Field(
        None, pattern=r"^[a-z][a-z_]{1,39}$",
        description="why, e.g. welfare, attendance, cme; the school's policy pack decides which "
                    "reasons allow an unannounced visit")
    planned_date: date
    planned_start: AwareDatetime
    planned_end: AwareDatetime
    staff_ids: Annotated[list[StaffId], Distinct] = Field(min_length=1, max_length=20)
    announced: bool = True

    @model_validator(mode="after")
    def _times_make_sense(self) -> VisitRequest:
        if self.planned_end <= self.planned_start:
            raise ValueError("planned_end must be after planned_start")
        if not self.announced and not self.reason_code:
            raise ValueError("an unannounced visit needs a reason_code (welfare, attendance, cme)")
        return self


class StaffMember(Body):
    staff_id: StaffId
    mobile: Phone
    driving: bool = False


class SignOut(Body):
    staff: list[StaffMember] = Field(min_length=1, max_length=20)
    vehicle_registration: str | None = Field(None, max_length=12)
    address: str = Field(min_length=3, max_length=500)
    expecting_to_see: str = Field(min_length=1, max_length=500)
    expected_arrival: AwareDatetime
    expected_leave: AwareDatetime
    expected_return: AwareDatetime
    buddy_id: Annotated[str, Field(pattern=r"^[\w.@-]{1,64}$")]
    buddy_phone: Phone
    check_in_interval_minutes: int = Field(ge=5, le=240)
    duress_phrase: str = Field(min_length=3, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> SignOut:
        if not self.expected_arrival < self.expected_leave <= self.expected_return:
            raise ValueError("expected_arrival < expected_leave <= expected_return, please")
        distinct([member.staff_id for member in self.staff])
        if self.buddy_id in {member.staff_id for member in self.staff}:
            raise ValueError("the buddy stays behind: they cannot be one of the visiting staff")
        if any(m.driving for m in self.staff) and not self.vehicle_registration:
            raise ValueError("a driver is named: give the vehicle_registration")
        return self


class Arrival(Body):
    dynamic_risk_ok: bool = True
    note: str | None = Field(None, max_length=2000)


class CheckIn(Body):
    duress: bool = Field(False, description="covert panic: answers exactly like a check-in")


class Leaving(Body):
    expected_return: AwareDatetime


class Return(Body):
    incident_to_report: bool = False


class Cancellation(Body):
    reason: str = Field(min_length=3, max_length=1000)


class Duress(Body):
    how: str = Field("phrase", pattern=r"^(phrase|panic)$")


async def application(request: Request) -> VisitsApplication:
    app: VisitsApplication = runtime_of(request).app  # type: ignore[assignment]
    return app


App = Annotated[VisitsApplication, Depends(application)]


async def _act(request: Request, app: VisitsApplication, principal: Principal, urn: str,
               visit_id: UUID, step: Any) -> dict[str, Any]:
    """Commands run in batches on the store's thread (shared/storage/batching.py), not one thread each."""
    cause = request_id(request)
    visit = await runtime_of(request).command(
        str(visit_id), lambda: app.act(visit_id, urn, principal.actor, cause, step))
    return visit_view(visit, principal.role, app.sealer)


@router.post("", status_code=201)
async def request_visit(urn: Urn, body: VisitRequest, request: Request, app: App,
                  principal: CurrentPrincipal) -> dict[str, Any]:
    """Ask for a visit to a household; it needs authorisation before sign-out."""
    correlation = uuid4()
    meta: Meta = command_meta(trust_id=trust_of(request, urn), school_urn=urn,
                              actor=principal.actor, correlation_id=correlation,
                              causation_id=request_id(request))
    details = body.model_dump(mode="json") | {"requested_by": principal.user_id}
    visit_id = await runtime_of(request).command(str(correlation),
                                                 lambda: app.request_visit(details, meta))
    return {"visit_id": str(visit_id), "status": "requested", "correlation_id": str(correlation)}


@router.get("/{visit_id}")
def get_visit(urn: Urn, visit_id: UUID, app: App, principal: CurrentPrincipal) -> dict[str, Any]:
    """The visit's current state; for an authorised visit, why it may not sign out, if so."""
    visit = app.visit(visit_id, urn)
    view = visit_view(visit, principal.role, app.sealer)
    if view["status"] == "authorised":
        view["sign_out_refused"] = app.sign_out_refusal(urn)
    return view


@router.get("/{visit_id}/home-visits-log")
async def home_visits_log(urn: Urn, visit_id: UUID, request: Request, app: App,
                          principal: CurrentPrincipal, via: Via = "api") -> dict[str, Any]:
    """The Home Visits Log (West Norfolk Appendix 3), for those who must act: the office, the
    senior roles, the trust safety lead, the visit's buddy and its staff. Each opening is an
    event (HomeVisitLogOpened), once per person and visit in five minutes."""
    cause = request_id(request)
    log: dict[str, Any] = await runtime_of(request).command(
        f"{visit_id}/log/{principal.user_id}",
        lambda: app.home_visits_log(visit_id, urn, principal.actor, via, cause))
    return log


@router.post("/{visit_id}/departure")
async def depart(urn: Urn, visit_id: UUID, body: SignOut, request: Request, app: App,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """Sign out: refused unless authorised and within the authorisation's conditions."""
    sign_out, cause = body.model_dump(mode="json"), request_id(request)
    visit = await runtime_of(request).command(
        str(visit_id), lambda: app.depart(visit_id, urn, sign_out, principal.actor, cause))
    return visit_view(visit, principal.role, app.sealer)


@router.post("/{visit_id}/arrival")
async def arrive(urn: Urn, visit_id: UUID, body: Arrival, request: Request, app: App,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """Arrived at the property, with the dynamic risk check at the door."""
    return await _act(request, app, principal, urn, visit_id,
                lambda v, m: v.arrive(body.dynamic_risk_ok, body.note and app.sealed(v, body.note), m))


@router.post("/{visit_id}/check-ins")
async def check_in(urn: Urn, visit_id: UUID, body: CheckIn, request: Request, app: App,
             principal: CurrentPrincipal) -> dict[str, Any]:
    """Check in from the visit; with duress=true it raises duress and looks like a check-in."""
    if body.duress:
        return await _act(request, app, principal, urn, visit_id,
                    lambda v, m: v.raise_duress(principal.user_id, "panic", m))
    return await _act(request, app, principal, urn, visit_id, lambda v, m: v.check_in(m))


@router.post("/{visit_id}/no-one-home")
async def no_one_home(urn: Urn, visit_id: UUID, request: Request, app: App,
                principal: CurrentPrincipal, waited_minutes: int = 0) -> dict[str, Any]:
    """Nobody answered after the wait the policy sets."""
    return await _act(request, app, principal, urn, visit_id,
                lambda v, m: v.nobody_home(waited_minutes, m))


@router.post("/{visit_id}/leaving")
async def leave(urn: Urn, visit_id: UUID, body: Leaving, request: Request, app: App,
          principal: CurrentPrincipal) -> dict[str, Any]:
    """Left the property, with the new expected return."""
    return await _act(request, app, principal, urn, visit_id,
                lambda v, m: v.leave(body.expected_return.isoformat(), m))


@router.post("/{visit_id}/return")
async def return_(urn: Urn, visit_id: UUID, body: Return, request: Request, app: App,
            principal: CurrentPrincipal) -> dict[str, Any]:
    """Signed back in."""
    return await _act(request, app, principal, urn, visit_id,
                lambda v, m: v.return_(body.incident_to_report, m))


@router.post("/{visit_id}/cancellation")
async def cancel(urn: Urn, visit_id: UUID, body: Cancellation, request: Request, app: App,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """Cancel a visit that has not been signed out."""
    return await _act(request, app, principal, urn, visit_id,
                      lambda v, m: v.cancel(app.sealed(v, body.reason), m))


@router.post("/{visit_id}/duress")
async def duress(urn: Urn, visit_id: UUID, body: Duress, request: Request, app: App,
           principal: CurrentPrincipal) -> dict[str, Any]:
    """The buddy heard the agreed phrase (or staff pressed panic): straight to the top."""
    return await _act(request, app, principal, urn, visit_id,
                lambda v, m: v.raise_duress(principal.user_id, body.how, m))

