"""DSLs and senior leaders: requests awaiting a decision, the assessment grid, the decision."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.pages import after, backend, live, page
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])


@router.get("/decisions", response_class=HTMLResponse, summary="requests awaiting a decision")
def decisions(urn: Urn, request: Request, session: PageSession) -> Response:
    board = live(request).board(session.trust, urn)
    return page(request, "decisions.html", session, urn=urn, awaiting=board.awaiting_decision())


async def _decide_page(request: Request, session: PageSession, urn: str, visit_id: UUID,
                       status: int = 200, problems: list[str] | None = None) -> Response:
    case = await backend(request).call(session, "GET", "authorisation",
                                       f"/v1/schools/{urn}/visits/{visit_id}/authorisation")
    policy = await backend(request).call(session, "GET", "authorisation",
                                         f"/v1/schools/{urn}/policy")
    return page(request, "decide.html", session, status=status, urn=urn, visit_id=visit_id,
                case=case.body if case.ok else None, policy=policy.body if policy.ok else None,
                problems=problems or ([] if case.ok else case.problem))


@router.get("/visits/{visit_id}/decide", response_class=HTMLResponse, summary="assess and decide")
async def decide_page(urn: Urn, visit_id: UUID, request: Request, session: PageSession
                      ) -> Response:
    return await _decide_page(request, session, urn, visit_id)


@router.post("/visits/{visit_id}/assessment", response_class=HTMLResponse,
             summary="record the risk assessment (likelihood x consequence)")
async def assess(urn: Urn, visit_id: UUID, request: Request, session: CheckedSession,
                 likelihood: Annotated[int, Form(ge=1, le=5)],
                 consequence: Annotated[int, Form(ge=1, le=5)]) -> Response:
    answer = await backend(request).call(
        session, "POST", "authorisation", f"/v1/schools/{urn}/visits/{visit_id}/risk-assessments",
        {"kind": "initial", "score": likelihood * consequence})
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
