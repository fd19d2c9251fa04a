"""HTTP routes of a school's records: visit history, incidents, concerns, write-ups, dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from services.records import projections
from services.records.application import RecordsApplication
from services.records.chain import timestamp
from services.records.export import chronology_html
from services.records.trail import Selection
from services.records.unread import UNREAD_TYPE
from shared.contracts import EVENT_TYPES
from shared.contracts.base import Distinct, StaffId
from shared.contracts.errors import Invalid
from shared.contracts.meta import Meta, command_meta
from shared.contracts.visits import Reference
from shared.http.answers import request_id
from shared.security.tenancy import trust_of
from shared.security.tokens import CurrentPrincipal, Principal
from shared.service.process import runtime_of

Urn = Annotated[str, Path(pattern=r"^\d{6}$", description="the school's URN (6 digits)")]
AsOf = Annotated[datetime | None, Query(description="only what had happened by this time")]
KnownAt = Annotated[datetime | None, Query(description="only what the trail held at this time")]
Format = Annotated[Literal["json", "html"], Query(description="json, or html to print")]
Types = Annotated[list[str] | None, Query(
    alias="type", max_length=20, description="only entries of these event types (repeat it), "
    "e.g. HomeVisitLogOpened: who opened the Home Visits Log, when, in which role")]
router = APIRouter(prefix="/v1/schools/{urn}", tags=["records"])


async def application(request: Request) -> RecordsApplication:
    app = runtime_of(request).app
    assert isinstance(app, RecordsApplication)
    return app


App = Annotated[RecordsApplication, Depends(application)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentReport(Body):
    visit_id: UUID | None = None
    kind: str = Field(min_length=2, max_length=100)
    description: str = Field(min_length=3, max_length=10_000)
    police_called: bool = False


class Sharing(Body):
    headteacher_id: str = Field(pattern=r"^[\w.@-]{1,64}$")


class Concern(Body):
    visit_id: UUID | None = None
    pupil_ids: Annotated[list[Reference], Distinct] = Field(default_factory=list, max_length=50)
    description: str = Field(min_length=3, max_length=10_000)
    immediate_risk: bool = False


class FollowUpAction(Body):
    description: str = Field(min_length=1, max_length=2000)
    owner: StaffId
    due: date


class WriteUpBody(Body):
    summary: str = Field(min_length=3, max_length=20_000)
    actions: list[FollowUpAction] = Field(default_factory=list, max_length=100)


def event_types(names: list[str] | None) -> tuple[str, ...] | None:
    """The event types asked for; a name the trail cannot hold is refused, not matched to
    nothing."""
    if not names:
        return None
    unknown = sorted(set(names) - {*EVENT_TYPES, UNREAD_TYPE})
    if unknown:
        raise Invalid(f"no event type {', '.join(unknown)[:200]}: see the AsyncAPI document "
                      "for the names (e.g. HomeVisitLogOpened, Departed)")
    return tuple(sorted(set(names)))


def moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise Invalid("give times with a zone, e.g. 2025-03-01T14:05:00Z")
    return timestamp(value)


def meta_for(request: Request, principal: Principal, urn: str) -> Meta:
    cause = request_id(request)
    return command_meta(trust_id=trust_of(request, urn), school_urn=urn, actor=principal.actor,
                        correlation_id=cause, causation_id=cause)


@router.get("/visits/{visit_id}/history", response_model=None)
def visit_history(urn: Urn, visit_id: UUID, request: Request, app: App,
                  principal: CurrentPrincipal, as_of: AsOf = None, known_at: KnownAt = None,
                  format: Format = "json", types: Types = None) -> dict[str, Any] | HTMLResponse:
    """Every event of the visit, from every service, in order; as of a time if asked."""
    trust = trust_of(request, urn)
    selection = Selection(trust_id=trust, visit_id=str(visit_id), school_urn=urn,
                          as_of=moment(as_of), known_at=moment(known_at),
                          types=event_types(types))
    events = app.history(selection)
    if format == "html":
        return HTMLResponse(chronology_html(f"Visit {visit_id} at school {urn}", events))
    return {"trust_id": trust, "school_urn": urn, "visit_id": str(visit_id),
            "as_of": selection.as_of, "known_at": selection.known_at, "events": events}


@router.post("/incidents", status_code=201)
def report_incident(urn: Urn, body: IncidentReport, request: Request, app: App,
                    principal: CurrentPrincipal) -> dict[str, Any]:
    """Report an incident; it must be shared with the headteacher by the end of the day."""
    report = {**body.model_dump(exclude={"visit_id"}), "reported_by": principal.user_id}
    incident = app.report_incident(body.visit_id, report, meta_for(request, principal, urn),
                                   key=str(request_id(request)))
    return {"incident_id": str(incident.id), "share_by": incident.share_by.isoformat()}


@router.post("/incidents/{incident_id}/sharing")
def share_incident(urn: Urn, incident_id: UUID, body: Sharing, request: Request, app: App,
                   principal: CurrentPrincipal) -> dict[str, Any]:
    """Record that the report was shared with the headteacher."""
    incident = app.share_incident(incident_id, urn, body.headteacher_id,
                                  meta_for(request, principal, urn))
    return {"incident_id": str(incident.id), "shared_with": incident.shared_with,
            "overdue": incident.overdue}


@router.post("/concerns", status_code=201)
def raise_concern(urn: Urn, body: Concern, request: Request, app: App,
                  principal: CurrentPrincipal) -> dict[str, Any]:
    """Raise a safeguarding concern: the DSL is notified at once."""
    data = {**body.model_dump(exclude={"visit_id"}), "raised_by": principal.user_id}
    concern = app.raise_concern(body.visit_id, data, meta_for(request, principal, urn),
                                key=str(request_id(request)))
    answer: dict[str, Any] = {"concern_id": str(concern.id), "notified": ["dsl", "deputy_dsl"],
                              "police_must_be_called": concern.police_must_be_called}
    if concern.police_must_be_called:
        answer["instruction"] = ("A child is at immediate risk: call the police on 999 for a "
                                 "welfare check now, then tell the DSL.")
    return answer


@router.post("/concerns/{concern_id}/receipt")
def receive_concern(urn: Urn, concern_id: UUID, request: Request, app: App,
                    principal: CurrentPrincipal) -> dict[str, Any]:
    """The DSL (or deputy) confirms they have the concern."""
    concern = app.receive_concern(concern_id, urn, principal.user_id,
                                  meta_for(request, principal, urn))
    return {"concern_id": str(concern.id), "received_by": concern.received_by}


@router.post("/visits/{visit_id}/write-up", status_code=201)
def write_up(urn: Urn, visit_id: UUID, body: WriteUpBody, request: Request, app: App,
             principal: CurrentPrincipal) -> dict[str, Any]:
    """Write the visit up, with follow-up actions, owners and due dates."""
    data = {**body.model_dump(mode="json"), "written_by": principal.user_id}
    written = app.write_up(visit_id, data, meta_for(request, principal, urn),
                           key=str(request_id(request)))
    return {"writeup_id": str(written.id)}


class Feedback(Body):
    feedback: str = Field(min_length=3, max_length=4000, description="how the visit went, and "
                          "what the policy could do better; sealed")
    difficult: bool = False
    debrief_requested: bool = Field(False, description="ask the DSL or head for a debrief")


class Debrief(Body):
    note: str | None = Field(None, max_length=2000, description="sealed")


@router.post("/visits/{visit_id}/feedback", status_code=201)
def give_feedback(urn: Urn, visit_id: UUID, body: Feedback, request: Request, app: App,
                  principal: CurrentPrincipal) -> dict[str, Any]:
    """Feedback after a visit, kept for the policy's next review; a debrief asked for tells the
    DSL and the headteacher (their safeguarding page lists it until it is held)."""
    data = {**body.model_dump(), "given_by": principal.user_id}
    given = app.give_feedback(visit_id, data, meta_for(request, principal, urn),
                              key=str(request_id(request)))
    told = ["dsl", "headteacher"] if body.debrief_requested else []
    return {"feedback_id": str(given.id), "told": told}


@router.post("/feedback/{feedback_id}/debrief")
def hold_debrief(urn: Urn, feedback_id: UUID, body: Debrief, request: Request, app: App,
                 principal: CurrentPrincipal) -> dict[str, Any]:
    """The DSL or head records that the debrief asked for has happened."""
    found = app.hold_debrief(feedback_id, urn, principal.user_id, body.note,
                             meta_for(request, principal, urn))
    return {"feedback_id": str(found.id), "debrief_held_by": found.debrief_held_by}


@router.get("/feedback")
def feedback(urn: Urn, request: Request, app: App, principal: CurrentPrincipal,
             since: date | None = None) -> list[dict[str, Any]]:
    """Staff feedback and debriefs since a day (default: all), for the policy's next review."""
    start = timestamp(datetime.combine(since, time.min, UTC)) if since else ""
    return app.feedback_since(trust_of(request, urn), urn, start)


@router.get("/dashboard/{view}")
def dashboard(urn: Urn, view: Literal["visits-in-progress", "incidents-awaiting-sharing",
                                      "concerns-awaiting-dsl", "daily-activity"],
              request: Request, app: App, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """What is open at this school and who must act: projections of the trail."""
    return projections.read(app.trail.engine, view.replace("-", "_"), trust_of(request, urn), urn)
