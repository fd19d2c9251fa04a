"""The buddy and office board: every visit out now, open escalations, live within seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sse_starlette import EventSourceResponse

from services.web.api import people
from services.web.api.pages import after, backend, live, page, templates
from services.web.api.responders import beside
from services.web.session import CheckedSession, PageSession, Session

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])
ACTIONS = {"acknowledgement", "no-contact", "resolution"}


async def board_context(request: Request, session: Session, urn: str) -> dict[str, Any]:
    """The board, and beside each alarm its visit's Home Visits Log (for those who may see it)
    and what has been tried."""
    board = live(request).board(session.trust, urn)
    now = datetime.now(UTC)
    escalations = board.open_escalations()
    out = board.out_now(now)
    names = await people.names(request, session, urn)
    outage = request.app.state.watcher.banner(session.trust, urn)
    logs, tried = await beside(request, session, urn, escalations, "board", names,
                               also=[v.visit_id for v in out] if outage else [])
    return {"urn": urn, "now": now, "out": out, "escalations": escalations,
            "visits": board.visits, "logs": logs, "tried": tried, "names": names,
            "school": live(request).directory.name_of(urn), "outage": outage,
            "leads_set": bool(request.app.state.web_settings.safety_leads.get(session.trust))}


@router.get("/board", response_class=HTMLResponse, summary="the buddy and office board")
async def board(urn: Urn, request: Request, session: PageSession) -> Response:
    return page(request, "board.html", session, **await board_context(request, session, urn))


@router.get("/board/live", summary="the board, again, each time an event changes it (SSE)")
async def board_live(urn: Urn, request: Request, session: PageSession) -> EventSourceResponse:
    following = live(request)
    queue = following.listen(session.trust, urn)

    async def fragment() -> str:
        return templates.get_template("board_fragment.html").render(
            {"request": request, "session": session, **await board_context(request, session,
                                                                             urn)})

    async def changes() -> AsyncIterator[dict[str, str]]:
        try:
            # first the board as it is now: an event heard between the page and this
            # connection would otherwise never reach the page
            yield {"event": "board", "data": await fragment()}
            while True:
                try:
                    await asyncio.wait_for(queue.get(), timeout=15.0)
                except TimeoutError:
                    continue  # sse-starlette sends its own keep-alive pings
                while not queue.empty():
                    queue.get_nowait()
                yield {"event": "board", "data": await fragment()}
        finally:
            following.leave(session.trust, urn, queue)

    return EventSourceResponse(changes(), ping=10)


@router.post("/escalations/{escalation_id}/{action}", response_class=HTMLResponse,
             summary="acknowledge, report no contact, or resolve an escalation")
async def act(urn: Urn, escalation_id: UUID, action: str, request: Request,
              session: CheckedSession, outcome: Annotated[str, Form()] = "") -> Response:
    here = f"/schools/{urn}/board"
    if action not in ACTIONS:
        return page(request, "problem.html", session, status=404,
                    problems=[f"no action {action}"], back=here)
    body = {"outcome": outcome} if action == "resolution" else None
    answer = await backend(request).call(
        session, "POST", "escalation", f"/v1/schools/{urn}/escalations/{escalation_id}/{action}",
        body)
    return after(request, answer, here, here, session, "problem.html")
