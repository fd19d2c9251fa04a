"""DSLs and senior leaders: requests awaiting a decision, the assessment grid, the decision."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api import people
from services.web.api.assess import CHECKLIST, HAZARD_ROWS, checklist_body, hazards_body
from services.web.api.pages import after, backend, live, page
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])


@router.get("/decisions", response_class=HTMLResponse, summary="requests awaiting a decision")
async def decisions(urn: Urn, request: Request, session: PageSession) -> Response:
    awaiting = live(request).board(session.trust, urn).awaiting_decision()
    upns = [upn for v in awaiting for upn in v.pupil_ids]
    return page(request, "decisions.html", session, urn=urn, awaiting=awaiting,
                names=await people.names(request, session, urn),
                pupils=await people.homes(request, session, urn, upns))


async def _decide_page(request: Request, session: PageSession, urn: str, visit_id: UUID,
                       status: int = 200, problems: list[str] | None = None) -> Response:
    case = await backend(request).call(session, "GET", "authorisation",
                                       f"/v1/schools/{urn}/visits/{visit_id}/authorisation")
    assessments = []
    for assessment_id in (case.body.get("assessment_ids") or [] if case.ok else []):
        found = await backend(request).call(session, "GET", "authorisation",
                                            f"/v1/schools/{urn}/risk-assessments/{assessment_id}")
        if found.ok:
            assessments.append(found.body)
    return page(request, "decide.html", session, status=status, urn=urn, visit_id=visit_id,
                case=case.body if case.ok else None, assessments=assessments,
                checklist=CHECKLIST, rows=range(HAZARD_ROWS),
                problems=problems or ([] if case.ok else case.problem))


@router.post("/risk-assessments/{assessment_id}/{action}", response_class=HTMLResponse,
             summary="sign an assessment off, or review it")
async def sign_off_or_review(urn: Urn, assessment_id: UUID, action: str, request: Request,
                             session: CheckedSession,
                             visit_id: Annotated[UUID, Form()]) -> Response:
    here = f"/schools/{urn}/visits/{visit_id}/decide"
    if action not in ("sign-off", "review"):
        return page(request, "problem.html", session, status=404,
                    problems=[f"no action {action}"], back=here)
    answer = await backend(request).call(
        session, "POST", "authorisation",
        f"/v1/schools/{urn}/risk-assessments/{assessment_id}/{action}", {})
    if answer.ok:
        return after(request, answer, here, here, session, "problem.html")
    return await _decide_page(request, session, urn, visit_id, answer.status, answer.problem)


@router.get("/visits/{visit_id}/decide", response_class=HTMLResponse, summary="assess and decide")
async def decide_page(urn: Urn, visit_id: UUID, request: Request, session: PageSession
                      ) -> Response:
    return await _decide_page(request, session, urn, visit_id)


@router.post("/visits/{visit_id}/assessment", response_class=HTMLResponse,
             summary="record the initial checklist or the full assessment's hazards")
async def assess(urn: Urn, visit_id: UUID, request: Request, session: CheckedSession,
                 kind: Annotated[str, Form(pattern="^(initial|full)$")]) -> Response:
    form = dict(await request.form())
    body = checklist_body(form) if kind == "initial" else hazards_body(form)
    answer = await backend(request).call(
        session, "POST", "authorisation", f"/v1/schools/{urn}/visits/{visit_id}/risk-assessments",
        body)
    here = f"/schools/{urn}/visits/{visit_id}/decide"
    if answer.ok:
        return after(request, answer, here, here, session, "problem.html")
    return await _decide_page(request, session, urn, visit_id, answer.status, answer.problem)


@router.post("/visits/{visit_id}/decision", response_class=HTMLResponse,
             summary="authorise or decline, with every broken rule named")
async def decide(urn: Urn, visit_id: UUID, request: Request, session: CheckedSession,
                 decision: Annotated[str, Form(pattern="^(authorise|decline)$")],
                 reason: Annotated[str, Form()] = "", responsible_contact: Annotated[
                     str, Form()] = "", out_of_hours_reason: Annotated[str, Form()] = "",
                 lone_visit_approved: Annotated[bool, Form()] = False) -> Response:
    body = {"decision": decision, "reason": reason or None,
            "responsible_contact": responsible_contact or None,
            "out_of_hours_reason": out_of_hours_reason or None,
            "lone_visit_approved": lone_visit_approved}
    answer = await backend(request).call(
        session, "POST", "authorisation", f"/v1/schools/{urn}/visits/{visit_id}/decision", body)
    if answer.ok:
        return after(request, answer, f"/schools/{urn}/decisions", "", session, "problem.html")
    return await _decide_page(request, session, urn, visit_id, answer.status, answer.problem)
