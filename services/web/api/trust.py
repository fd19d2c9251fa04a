"""Trust operations and auditors: the trust's schools at a glance, and a visit's chronology."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api.pages import backend, live, page
from services.web.api.staff import local_iso
from services.web.domain.activity import Calendar
from services.web.session import PageSession
from shared.security.tenancy import schools_of

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(tags=["pages"])


@router.get("/trust", response_class=HTMLResponse, summary="the trust operations dashboard")
async def dashboard(request: Request, session: PageSession) -> Response:
    following, now = live(request), datetime.now(UTC)
    directory = following.directory
    listed = schools_of(request.app.state.settings, session.trust, directory) or []
    calendar = Calendar(now.date())
    # records, authorisation and the pages' own store at once: the page waits for the slowest
    (incidents, concerns, activity), reviews, outages = await asyncio.gather(
        trust_wide(request, session, calendar.first_day),
        backend(request).call(session, "GET", "authorisation", "/v1/policy-reviews"),
        asyncio.to_thread(request.app.state.watcher.app.outages, session.trust))
    rows: list[dict[str, Any]] = []
    for urn in sorted({*listed, *following.schools_of(session.trust)},
                      key=lambda urn: directory.name_of(urn).casefold()):
        board = following.board(session.trust, urn)
        out = board.out_now(now)
        open_ = board.open_escalations()
        days, weeks = calendar.bars(activity.get(urn, []))
        rows.append({"urn": urn, "name": directory.name_of(urn),
                     "visits_today": len(board.visits), "out": len(out),
                     "overdue": sum(v.overdue(now) for v in out),
                     "duress": sum(v.duress for v in out),
                     "levels": Counter(e.level for e in open_),
                     "incidents": len(incidents.get(urn, [])) if incidents is not None else "?",
                     "concerns": len(concerns.get(urn, [])) if concerns is not None else "?",
                     "days": days, "weeks": weeks})
    due_first = sorted(reviews.body if reviews.ok else [],
                       key=lambda p: (p["review_due"] or "9999-12-31", p["name"].casefold()))
    return page(request, "trust.html", session, rows=rows, now=now, reviews=due_first,
                problems=reviews.problem,
                outages=[outage_of(o, directory.name_of) for o in reversed(outages)])


def outage_of(outage: dict[str, Any], name_of: Callable[[str], str]) -> dict[str, Any]:
    """An outage of the safety loop (the pages' store) as the trust page lists it."""
    cleared = outage.get("cleared_at")
    return {"loop": outage["loop"], "since": datetime.fromisoformat(outage["since"]),
            "cleared": datetime.fromisoformat(cleared) if cleared else None,
            "schools": [name_of(urn) for urn in outage["schools"]],
            "providers": outage["providers"], "told": outage["told"]}


PerSchool = dict[str, list[dict[str, Any]]]


async def trust_wide(request: Request, session: PageSession, since: date
                     ) -> tuple[PerSchool | None, PerSchool | None, PerSchool]:
    """Records' three projections for every school of the trust: three reads, not three a school.
    None where records did not answer (the page shows "?")."""
    answers = await asyncio.gather(*(
        backend(request).call(session, "GET", "records", f"/v1/dashboard/{view}", params=params)
        for view, params in (("incidents-awaiting-sharing", None), ("concerns-awaiting-dsl", None),
                             ("daily-activity", {"since": since.isoformat()}))))
    grouped: list[PerSchool | None] = []
    for answer in answers:
        if not answer.ok:
            grouped.append(None)
            continue
        by_school: PerSchool = {}
        for row in answer.body:
            by_school.setdefault(row["school_urn"], []).append(row)
        grouped.append(by_school)
    return grouped[0], grouped[1], grouped[2] or {}


@router.get("/schools/{urn}/visits/{visit_id}/chronology", response_class=HTMLResponse,
            summary="a visit's chronology, with the trail's verification")
async def chronology(urn: Urn, visit_id: UUID, request: Request, session: PageSession,
                     as_of: str | None = None) -> Response:
    params = {"as_of": local_iso(as_of)} if as_of else None
    history = await backend(request).call(
        session, "GET", "records", f"/v1/schools/{urn}/visits/{visit_id}/history", params=params)
    verdict = None
    if session.role in ("auditor", "trust_it", "trust_safety_lead"):
        verified = await backend(request).call(session, "GET", "records", "/v1/audit/verify")
        verdict = verified.body if verified.ok else None
    return page(request, "chronology.html", session, status=200 if history.ok else history.status,
                urn=urn, visit_id=visit_id, events=history.body.get("events", [])
                if history.ok else [], problems=history.problem, verdict=verdict, as_of=as_of)
