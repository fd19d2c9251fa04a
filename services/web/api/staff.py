"""Staff, on a phone: today's visits and each step of one, one page a step (asking for a visit:
`ask`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.web.api import people, schoolclock
from services.web.api.pages import backend, live, page
from services.web.api.responders import Shown, Via, beside, home_visits_log
from services.web.api.schoolclock import (
    deployment_zone,
    zone_named,
)
from services.web.domain import Board
from services.web.domain.responders import Step
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])
LONDON = ZoneInfo("Europe/London")  # where no school's clock is known (the trust's pages)
STEPS = ("departure", "arrival", "check-ins", "no-one-home", "leaving", "return", "cancellation")


@router.get("", response_class=HTMLResponse, summary="today")
async def today(urn: Urn, request: Request, session: PageSession) -> Response:
    board = live(request).board(session.trust, urn)
    mine = board.of_staff(session.user)
    try:
        pupils = await people.pupils(request, session, urn, [u for v in mine for u in v.pupil_ids])
    except people.Unanswered:
        pupils = {}
    others = any(s != session.user for v in mine for s in v.staff_ids)
    names = await people.names(request, session, urn) if others else {}
    return page(request, "today.html", session, urn=urn, mine=mine,
                about={v.visit_id: [pupils[u].name for u in v.pupil_ids if u in pupils]
                       for v in mine},
                with_={v.visit_id: [names.get(s, s) for s in v.staff_ids if s != session.user]
                       for v in mine},
                awaiting=board.awaiting_decision(), now=datetime.now(UTC),
                review=await review_notice(request, session, urn))


async def review_notice(request: Request, session: PageSession, urn: str) -> dict[str, Any] | None:
    """The headteacher (who amends the policy) and the DSL are told, from a month before, that the
    school's home-visit policy is due for review, and once it is overdue."""
    if session.role not in ("headteacher", "dsl"):
        return None
    answer = await backend(request).call(session, "GET", "authorisation",
                                         f"/v1/schools/{urn}/policy")
    in_force = answer.body.get("in_force") if answer.ok and isinstance(answer.body, dict) else None
    return in_force if in_force and in_force.get("review") in ("due", "overdue") else None


@router.get("/visits/{visit_id}", response_class=HTMLResponse, summary="a visit, step by step")
async def visit(urn: Urn, visit_id: UUID, request: Request, session: PageSession) -> Response:
    answer = await backend(request).call(session, "GET", "visits",
                                         f"/v1/schools/{urn}/visits/{visit_id}")
    if not answer.ok:
        return page(request, "problem.html", session, status=answer.status,
                    problems=answer.problem, back=f"/schools/{urn}")
    board = live(request).board(session.trust, urn)
    card = board.visits.get(str(visit_id))
    # the school's clock, as its authorisation carried it: no other service is asked
    zone = zone_named((answer.body.get("conditions") or {}).get("timezone")) or deployment_zone(
        request)
    names = await people.names(request, session, urn)
    pupils = await people.homes(request, session, urn,
                                list((answer.body.get("request") or {}).get("pupil_ids") or []))
    shown, steps = await _for_a_responder(request, session, urn, answer.body, board, names)
    filled = await backend(request).call(
        session, "GET", "authorisation", f"/v1/schools/{urn}/visits/{visit_id}/sign-out-form") \
        if answer.body.get("status") == "authorised" else None
    return page(request, "visit.html", session, urn=urn, visit=answer.body, card=card,
                deadline=card.next_deadline() if card else None, now=datetime.now(UTC),
                zone=zone.key, shown=shown, steps=steps, names=names, pupils=pupils,
                form=filled.body if filled is not None and filled.ok else {})


async def _for_a_responder(request: Request, session: PageSession, urn: str,
                           visit: dict[str, Any], board: Board, names: dict[str, str]
                           ) -> tuple[Shown | None, list[Step]]:
    """Someone else's visit, signed out: its Home Visits Log if they are one who must act,
    and what has been tried about each alarm still open. The staff on it see their steps."""
    if not visit.get("home_visits_log") or session.user in (visit.get("visiting_staff") or []):
        return None, []
    alarms = [e for e in board.open_escalations() if e.visit_id == visit["visit_id"]]
    via: Via = "acknowledgement" if request.query_params.get("from") == "acknowledgement" \
        else "visit"
    logs, tried = await beside(request, session, urn, alarms, via, names)
    shown = logs.get(visit["visit_id"]) or await home_visits_log(
        request, session, urn, visit["visit_id"], via)
    return shown, [step for e in alarms for step in tried.get(e.escalation_id, [])]


@router.post("/visits/{visit_id}/{step}", response_class=HTMLResponse, summary="take a step")
async def step(urn: Urn, visit_id: UUID, step: str, request: Request,
               session: CheckedSession) -> Response:
    if step not in STEPS:
        return page(request, "problem.html", session, status=404,
                    problems=[f"no step {step}"], back=f"/schools/{urn}/visits/{visit_id}")
    form = dict(await request.form())
    # the zone the page's times were shown in (the departure and leaving forms carry it)
    body, params = _body(step, form, zone_named(form.get("zone")) or deployment_zone(request))
    answer = await backend(request).call(session, "POST", "visits",
                                         f"/v1/schools/{urn}/visits/{visit_id}/{step}", body,
                                         params)
    here = f"/schools/{urn}/visits/{visit_id}"
    if request.headers.get("accept") == "application/json":  # the check-in button's fetch
        return JSONResponse({"sent": answer.ok, "problems": answer.problem,
                             "at": datetime.now(UTC).isoformat()},
                            status_code=200 if answer.ok else answer.status)
    if answer.ok:
        return RedirectResponse(here, status_code=303)
    return page(request, "problem.html", session, status=answer.status if answer.status < 500
                else 502, problems=answer.problem, back=here)


def _body(step: str, form: dict[str, Any], zone: ZoneInfo
          ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if step == "departure":
        staff = ids(str(form.get("staff_ids", "")))
        mobiles = [str(form.get(f"mobile_{s}", "")) for s in staff]
        driver = str(form.get("driver", ""))
        return {"staff": [{"staff_id": s, "mobile": m, "driving": s == driver}
                          for s, m in zip(staff, mobiles, strict=True)],
                "vehicle_registration": form.get("vehicle_registration") or None,
                "address": form.get("address"), "expecting_to_see": form.get("expecting_to_see"),
                "expected_arrival": local_iso(form.get("expected_arrival"), zone),
                "expected_leave": local_iso(form.get("expected_leave"), zone),
                "expected_return": local_iso(form.get("expected_return"), zone),
                "buddy_id": form.get("buddy_id"), "buddy_phone": form.get("buddy_phone"),
                "check_in_interval_minutes": _int(form.get("check_in_interval_minutes")),
                "duress_phrase": form.get("duress_phrase")}, None
    if step == "arrival":
        return {"dynamic_risk_ok": form.get("dynamic_risk_ok") == "yes",
                "note": form.get("note") or None}, None
    if step == "check-ins":
        return {"duress": form.get("duress") == "true"}, None
    if step == "no-one-home":
        return {}, {"waited_minutes": _int(form.get("waited_minutes")) or 0}
    if step == "leaving":
        return {"expected_return": local_iso(form.get("expected_return"), zone)}, None
    if step == "return":
        return {"incident_to_report": form.get("incident_to_report") == "yes"}, None
    return {"reason": form.get("reason")}, None


def ids(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def local_iso(value: Any, zone: ZoneInfo = LONDON) -> str | None:
    """A `datetime-local` field as ISO 8601, read on the school's clock."""
    moment = schoolclock.local(value, zone)
    return moment.isoformat() if moment else None
