"""Feedback after a visit (for the policy's next review) and a debrief asked for after a difficult
one, which the DSL and the headteacher see on the safeguarding page until they record it held."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api.pages import after, backend, page
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])


@router.get("/visits/{visit_id}/feedback", response_class=HTMLResponse,
            summary="feedback after a visit")
def new_feedback(urn: Urn, visit_id: UUID, request: Request, session: PageSession) -> Response:
    return page(request, "feedback.html", session, urn=urn, visit_id=visit_id)


@router.post("/visits/{visit_id}/feedback", response_class=HTMLResponse,
             summary="give feedback after a visit; ask for a debrief")
async def give_feedback(urn: Urn, visit_id: UUID, request: Request, session: CheckedSession,
                        feedback: Annotated[str, Form()],
                        difficult: Annotated[bool, Form()] = False,
                        debrief_requested: Annotated[bool, Form()] = False) -> Response:
    answer = await backend(request).call(
        session, "POST", "records", f"/v1/schools/{urn}/visits/{visit_id}/feedback",
        {"feedback": feedback, "difficult": difficult, "debrief_requested": debrief_requested})
    if answer.ok:
        return page(request, "feedback.html", session, urn=urn, visit_id=visit_id,
                    given=answer.body)
    return after(request, answer, "", "", session, "feedback.html", urn=urn, visit_id=visit_id)


@router.post("/feedback/{feedback_id}/debrief", response_class=HTMLResponse,
             summary="record that a debrief was held")
async def debrief_held(urn: Urn, feedback_id: UUID, request: Request,
                       session: CheckedSession) -> Response:
    answer = await backend(request).call(
        session, "POST", "records", f"/v1/schools/{urn}/feedback/{feedback_id}/debrief", {})
    here = f"/schools/{urn}/safeguarding"
    return after(request, answer, here, here, session, "problem.html")
