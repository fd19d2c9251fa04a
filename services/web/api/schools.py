"""Trust IT's school directory, as pages: onboard a school, see the trust's schools, archive one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api.pages import after, backend, page
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/trust/schools", tags=["pages"])
TIMEZONES = ("Europe/London", "Europe/Dublin", "Europe/Belfast", "Europe/Isle_of_Man",
             "Europe/Jersey", "Europe/Guernsey")


async def _listing(request: Request, session: PageSession | CheckedSession, status: int = 200,
                   **context: object) -> HTMLResponse:
    schools = await backend(request).call(session, "GET", "authorisation", "/v1/schools")
    packs = await backend(request).call(session, "GET", "authorisation", "/v1/policy-packs")
    return page(request, "trust_schools.html", session, status=status,
                schools=schools.body if schools.ok else [],
                packs=packs.body if packs.ok else [], timezones=TIMEZONES, **context)


@router.get("", response_class=HTMLResponse, summary="the trust's schools, and onboarding one")
async def schools(request: Request, session: PageSession) -> Response:
    return await _listing(request, session)


@router.post("", response_class=HTMLResponse, summary="onboard a school")
async def onboard(request: Request, session: CheckedSession,
                  urn: Annotated[str, Form()], name: Annotated[str, Form()],
                  timezone: Annotated[str, Form()] = "Europe/London",
                  opens: Annotated[str, Form()] = "08:00",
                  closes: Annotated[str, Form()] = "17:00",
                  policy_pack: Annotated[str, Form()] = "trust-default",
                  contact_number: Annotated[str, Form()] = "") -> Response:
    body = {"urn": urn.strip(), "name": name.strip(), "timezone": timezone, "opens": opens,
            "closes": closes, "policy_pack": policy_pack, "contact_number": contact_number.strip()}
    answer = await backend(request).call(session, "POST", "authorisation", "/v1/schools", body)
    if answer.ok:
        return after(request, answer, "/trust/schools", "/trust/schools", session,
                     "trust_schools.html")
    return await _listing(request, session, status=answer.status if answer.status < 500 else 502,
                          problems=answer.problem, form=body)


@router.get("/{urn}", response_class=HTMLResponse, summary="one school, to change")
async def school(urn: Urn, request: Request, session: PageSession) -> Response:
    answer = await backend(request).call(session, "GET", "authorisation", f"/v1/schools/{urn}")
    if not answer.ok:
        return page(request, "problem.html", session, status=answer.status,
                    problems=answer.problem, back="/trust/schools")
    return await _changing(request, session, answer.body)


@router.post("/{urn}", response_class=HTMLResponse, summary="change a school's details")
async def change(urn: Urn, request: Request, session: CheckedSession,
                 name: Annotated[str, Form()], timezone: Annotated[str, Form()],
                 opens: Annotated[str, Form()], closes: Annotated[str, Form()],
                 policy_pack: Annotated[str, Form()],
                 contact_number: Annotated[str, Form()] = "") -> Response:
    body = {"name": name.strip(), "timezone": timezone, "opens": opens, "closes": closes,
            "policy_pack": policy_pack, "contact_number": contact_number.strip()}
    answer = await backend(request).call(session, "PUT", "authorisation", f"/v1/schools/{urn}",
                                         body)
    if answer.ok:
        return after(request, answer, "/trust/schools", f"/trust/schools/{urn}", session,
                     "trust_school.html")
    return await _changing(request, session, {**body, "urn": urn},
                           status=answer.status if answer.status < 500 else 502,
                           problems=answer.problem, form=body)


async def _changing(request: Request, session: PageSession | CheckedSession,
                    school: dict[str, object], status: int = 200, **context: object
                    ) -> HTMLResponse:
    packs = await backend(request).call(session, "GET", "authorisation", "/v1/policy-packs")
    return page(request, "trust_school.html", session, status=status, school=school,
                packs=packs.body if packs.ok else [], timezones=TIMEZONES, **context)


@router.post("/{urn}/archive", response_class=HTMLResponse, summary="archive a school")
async def archive(urn: Urn, request: Request, session: CheckedSession,
                  reason: Annotated[str, Form()]) -> Response:
    answer = await backend(request).call(session, "POST", "authorisation",
                                         f"/v1/schools/{urn}/archive", {"reason": reason.strip()})
    if answer.ok:
        return after(request, answer, "/trust/schools", "/trust/schools", session,
                     "trust_schools.html")
    return await _listing(request, session, status=answer.status if answer.status < 500 else 502,
                          problems=answer.problem)
