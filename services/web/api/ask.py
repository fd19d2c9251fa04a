"""Asking for a visit, on a phone, in names: a pupil found by name (the household follows) and
the colleagues going ticked from the staff register. Works without JavaScript: the search is a
GET form whose matches are buttons that choose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import StringConstraints

from services.web.api import people, schoolclock
from services.web.api.pages import backend, page
from services.web.api.people import Pupil, Unanswered
from services.web.api.schoolclock import default_start, field, school_zone
from services.web.domain.asking import CannotAsk, household_of, who_is_going
from services.web.session import CheckedSession, PageSession, Session

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
Upns = list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,20}$")]]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])


@router.get("/visits/new", response_class=HTMLResponse, summary="ask for a visit")
async def new_visit(urn: Urn, request: Request, session: PageSession,
                    find: Annotated[str, Query(max_length=100)] = "",
                    upn: Annotated[Upns, Query(max_length=20)] = []) -> Response:  # noqa: B006
    zone = await school_zone(request, session, urn)
    start = default_start(datetime.now(UTC), zone)
    problems: list[str] = []
    found: list[Pupil] = []
    if find.strip():
        try:
            found = await people.find_pupils(request, session, urn, find.strip())
        except Unanswered as refused:
            problems += refused.problems
    return await _form(request, session, urn, zone, status=422 if problems else 200,
                       problems=problems, find=find.strip(), found=found, upns=upn,
                       values={"planned_start": field(start, zone),
                               "planned_end": field(start + timedelta(hours=1), zone),
                               "announced": True, "staff_ids": [session.user]})


@router.post("/visits/new", response_class=HTMLResponse, summary="ask for a visit")
async def request_visit(urn: Urn, request: Request, session: CheckedSession,
                        purpose: Annotated[str, Form()], planned_start: Annotated[str, Form()],
                        planned_end: Annotated[str, Form()],
                        reason_code: Annotated[str, Form()] = "",
                        announced: Annotated[bool, Form()] = False,
                        upn: Annotated[Upns, Form(max_length=20)] = [],  # noqa: B006
                        staff_ids: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006
                        ) -> Response:
    zone = await school_zone(request, session, urn)
    start, end = schoolclock.local(planned_start, zone), schoolclock.local(planned_end, zone)
    values = {"purpose": purpose, "reason_code": reason_code, "announced": announced,
              "planned_start": field(start, zone) or planned_start,
              "planned_end": field(end, zone) or planned_end, "staff_ids": staff_ids}
    try:
        chosen = await people.pupils(request, session, urn, upn)
        household = household_of(list(chosen.values()), upn)
        going = who_is_going(staff_ids)
    except (Unanswered, CannotAsk) as refused:
        status, problems = ((refused.status, refused.problems) if isinstance(refused, Unanswered)
                            else (422, [str(refused)]))
        return await _form(request, session, urn, zone, status=status, problems=problems,
                           upns=upn, values=values)
    body = {"household_id": household, "pupil_ids": list(chosen), "purpose": purpose,
            "planned_date": start.date().isoformat() if start else None,
            "planned_start": start.isoformat() if start else planned_start,
            "planned_end": end.isoformat() if end else planned_end,
            "staff_ids": going, "announced": announced, "reason_code": reason_code or None}
    answer = await backend(request).call(session, "POST", "visits", f"/v1/schools/{urn}/visits",
                                         body)
    if answer.ok:
        return RedirectResponse(f"/schools/{urn}/visits/{answer.body.get('visit_id')}",
                                status_code=303)
    return await _form(request, session, urn, zone, status=answer.status
                       if 400 <= answer.status < 500 else 502, problems=answer.problem,
                       upns=upn, values=values)


async def _form(request: Request, session: Session, urn: str, zone: ZoneInfo, *, status: int,
                problems: list[str], upns: list[str], values: dict[str, Any], find: str = "",
                found: list[Pupil] | None = None) -> HTMLResponse:
    """The page, with the pupils chosen so far (by name) and the register to tick from."""
    try:
        chosen = await people.pupils(request, session, urn, upns)
        register = await people.colleagues(request, session, urn)
    except Unanswered as refused:
        chosen, register = {}, []
        problems, status = [*problems, *refused.problems], max(status, refused.status)
    if chosen and not problems:
        try:
            household_of(list(chosen.values()), list(chosen))
        except CannotAsk as apart:
            problems, status = [str(apart)], 422
    mine = [c for c in register if c.staff_id == session.user]
    names = [p.name for p in {**{p.upn: p for p in found or []}, **chosen}.values()]
    return page(request, "visit_new.html", session, status=status, problems=problems, urn=urn,
                find=find, found=[p for p in found or [] if p.upn not in chosen],
                chosen=list(chosen.values()), same_name={n for n in names if names.count(n) > 1},
                colleagues=mine + [c for c in register if c.staff_id != session.user],
                zone=zone.key, **values)
