"""Incidents and safeguarding concerns: reporting them, and the senior leaders' lists of what
must be shared with the headteacher today and what the DSL has not yet received."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api import people
from services.web.api.pages import after, backend, page
from services.web.api.staff import ids
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])


@router.get("/incidents/new", response_class=HTMLResponse, summary="report an incident")
def new_incident(urn: Urn, request: Request, session: PageSession,
                 visit_id: UUID | None = None) -> Response:
    return page(request, "incident_new.html", session, urn=urn, visit_id=visit_id)


@router.post("/incidents/new", response_class=HTMLResponse, summary="report an incident")
async def report_incident(urn: Urn, request: Request, session: CheckedSession,
                          kind: Annotated[str, Form()], description: Annotated[str, Form()],
                          visit_id: Annotated[str, Form()] = "",
                          police_called: Annotated[bool, Form()] = False) -> Response:
    answer = await backend(request).call(session, "POST", "records",
                                         f"/v1/schools/{urn}/incidents", {
                                             "visit_id": visit_id or None, "kind": kind,
                                             "description": description,
                                             "police_called": police_called})
    done = f"/schools/{urn}/visits/{visit_id}" if visit_id else f"/schools/{urn}"
    return after(request, answer, done, "", session, "incident_new.html", urn=urn,
                 visit_id=visit_id)


@router.get("/concerns/new", response_class=HTMLResponse, summary="raise a safeguarding concern")
def new_concern(urn: Urn, request: Request, session: PageSession,
                visit_id: UUID | None = None) -> Response:
    return page(request, "concern_new.html", session, urn=urn, visit_id=visit_id)


@router.post("/concerns/new", response_class=HTMLResponse, summary="raise a safeguarding concern")
async def raise_concern(urn: Urn, request: Request, session: CheckedSession,
                        description: Annotated[str, Form()], pupil_ids: Annotated[str, Form()] = "",
                        visit_id: Annotated[str, Form()] = "",
                        immediate_risk: Annotated[bool, Form()] = False) -> Response:
    answer = await backend(request).call(session, "POST", "records",
                                         f"/v1/schools/{urn}/concerns", {
                                             "visit_id": visit_id or None,
                                             "pupil_ids": ids(pupil_ids),
                                             "description": description,
                                             "immediate_risk": immediate_risk})
    if answer.ok:
        return page(request, "concern_raised.html", session, urn=urn, answer=answer.body)
    return after(request, answer, "", "", session, "concern_new.html", urn=urn,
                 visit_id=visit_id)


@router.get("/safeguarding", response_class=HTMLResponse,
            summary="incidents awaiting sharing and concerns awaiting the DSL")
async def safeguarding(urn: Urn, request: Request, session: PageSession) -> Response:
    incidents = await backend(request).call(
        session, "GET", "records", f"/v1/schools/{urn}/dashboard/incidents-awaiting-sharing")
    concerns = await backend(request).call(
        session, "GET", "records", f"/v1/schools/{urn}/dashboard/concerns-awaiting-dsl")
    feedback = await backend(request).call(session, "GET", "records",
                                           f"/v1/schools/{urn}/feedback")
    debriefs = [f for f in (feedback.body if feedback.ok else [])
                if f["debrief_requested"] and not f["debrief_held_by"]]
    return page(request, "safeguarding.html", session, urn=urn, now=datetime.now(UTC),
                incidents=incidents.body if incidents.ok else [],
                concerns=concerns.body if concerns.ok else [], debriefs=debriefs,
                names=await people.names(request, session, urn) if debriefs else {},
                problems=incidents.problem + concerns.problem + feedback.problem)


@router.post("/incidents/{incident_id}/sharing", response_class=HTMLResponse,
             summary="record that the report reached the headteacher")
async def share(urn: Urn, incident_id: UUID, request: Request, session: CheckedSession,
                headteacher_id: Annotated[str, Form()]) -> Response:
    answer = await backend(request).call(
        session, "POST", "records", f"/v1/schools/{urn}/incidents/{incident_id}/sharing",
        {"headteacher_id": headteacher_id})
    here = f"/schools/{urn}/safeguarding"
    return after(request, answer, here, here, session, "problem.html")


@router.post("/concerns/{concern_id}/receipt", response_class=HTMLResponse,
             summary="the DSL has the concern")
async def receive(urn: Urn, concern_id: UUID, request: Request, session: CheckedSession
                  ) -> Response:
    answer = await backend(request).call(
        session, "POST", "records", f"/v1/schools/{urn}/concerns/{concern_id}/receipt")
    here = f"/schools/{urn}/safeguarding"
    return after(request, answer, here, here, session, "problem.html")
