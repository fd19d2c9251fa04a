"""Trust operations and auditors: the trust's schools at a glance, and a visit's chronology."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api.pages import backend, live, page
from services.web.api.staff import local_iso
from services.web.session import PageSession
from shared.security.tenancy import schools_of

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(tags=["pages"])


@router.get("/trust", response_class=HTMLResponse, summary="the trust operations dashboard")
async def dashboard(request: Request, session: PageSession) -> Response:
    following, now = live(request), datetime.now(UTC)
    directory = following.directory
    listed = schools_of(request.app.state.settings, session.trust, directory) or []
    rows: list[dict[str, Any]] = []
    for urn in sorted({*listed, *following.schools_of(session.trust)},
                      key=lambda urn: directory.name_of(urn).casefold()):
        board = following.board(session.trust, urn)
        out = board.out_now(now)
        open_ = board.open_escalations()
        incidents = await backend(request).call(
            session, "GET", "records", f"/v1/schools/{urn}/dashboard/incidents-awaiting-sharing")
        concerns = await backend(request).call(
            session, "GET", "records", f"/v1/schools/{urn}/dashboard/concerns-awaiting-dsl")
        activity = await backend(request).call(
            session, "GET", "records", f"/v1/schools/{urn}/dashboard/daily-activity")
        days, weeks = over_time(activity.body if activity.ok else [], now)
        rows.append({"urn": urn, "name": directory.name_of(urn),
                     "visits_today": len(board.visits), "out": len(out),
                     "overdue": sum(v.overdue(now) for v in out),
                     "duress": sum(v.duress for v in out),
                     "levels": Counter(e.level for e in open_),
                     "incidents": len(incidents.body) if incidents.ok else "?",
                     "concerns": len(concerns.body) if concerns.ok else "?",
                     "days": days, "weeks": weeks})
    reviews = await backend(request).call(session, "GET", "authorisation", "/v1/policy-reviews")
    due_first = sorted(reviews.body if reviews.ok else [],
                       key=lambda p: (p["review_due"] or "9999-12-31", p["name"].casefold()))
    return page(request, "trust.html", session, rows=rows, now=now, reviews=due_first,
                problems=reviews.problem)


def over_time(activity: list[dict[str, Any]], now: datetime
              ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Visits on each of the last 7 days, and escalations in each of the last 4 weeks."""
    by_day = {row["day"]: row for row in activity}
    days = [(now - timedelta(days=n)).date() for n in range(6, -1, -1)]
    visits = [(d.strftime("%a %d"), int(by_day.get(d.isoformat(), {}).get("visits", 0)))
              for d in days]
    weeks: dict[str, int] = {}
    for n in range(27, -1, -1):
        day = (now - timedelta(days=n)).date()
        monday = day - timedelta(days=day.weekday())
        label = f"w/c {monday.strftime('%d %b')}"
        weeks[label] = weeks.get(label, 0) + int(by_day.get(day.isoformat(), {}).get(
            "escalations", 0))
    return visits, list(weeks.items())


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
