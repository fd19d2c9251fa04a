"""Signing in: the development sign-in picks a seeded person; production uses the trust's IdP."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.api.oidc import sign_in_providers
from services.web.api.pages import page
from services.web.api.people import own_name
from services.web.session import (
    COOKIE,
    SIGN_IN_COOKIE,
    CheckedSession,
    Session,
    Sessions,
    come_back_to,
    cookie_options,
    home_of,
    new_csrf,
)
from shared.cli.seed import PEOPLE, SCHOOL
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token

router = APIRouter(tags=["pages"], include_in_schema=True)
TRUST_PEOPLE = {"tsl-0001": "trust_safety_lead", "it-0001": "trust_it",
                "auditor-0001": "auditor"}


def people() -> list[tuple[str, str]]:
    """(person, role) of the embedded default's seeded people."""
    school = [(person, roles[0]) for person, roles in PEOPLE.items()]
    return school + list(TRUST_PEOPLE.items())


@router.get("/", response_class=RedirectResponse, summary="home")
def home(request: Request) -> RedirectResponse:
    session: Session | None = getattr(request.state, "session", None)
    return RedirectResponse(home_of(session.role, session.schools) if session else "/sign-in",
                            status_code=303)


@router.get("/sign-in", response_class=HTMLResponse, summary="sign in")
def sign_in_page(request: Request, next: Annotated[str | None, Query(max_length=500)] = None
                 ) -> Response:
    """`next`: the page to go on to once signed in (where a link, e.g. an acknowledge link's,
    led)."""
    settings: DoorstepSettings = request.app.state.settings
    token = new_csrf()
    response = page(request, "sign_in.html", None, people=people(), csrf=token,
                    development=settings.environment != "production",
                    trusts=sorted(sign_in_providers(settings)), next=come_back_to(next))
    response.set_cookie(SIGN_IN_COOKIE, token, **{**cookie_options(900), "samesite": "strict"})
    return response


@router.post("/sign-in", summary="sign in as a seeded person (development only)")
async def sign_in(request: Request, person: Annotated[str, Form()], csrf: Annotated[str, Form()],
                  next: Annotated[str, Form(max_length=500)] = "") -> Response:
    settings: DoorstepSettings = request.app.state.settings
    if settings.environment == "production":
        raise HTTPException(404, "the development sign-in is off in production: sign in with "
                                 "your trust's identity provider")
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf):
        raise HTTPException(403, "the sign-in form expired: reload it and try again")
    roles = dict(people())
    if person not in roles:
        raise HTTPException(422, f"{person} is not one of the seeded people")
    role = roles[person]
    schools = [] if person in TRUST_PEOPLE else [SCHOOL]
    token = mint_token(settings, user=person, role=role, schools=schools)
    session = Session(token=token, user=person, role=role, trust=settings.default_trust,
                      schools=schools, csrf=new_csrf())
    session.name = await own_name(request, session)
    sessions: Sessions = request.app.state.sessions
    response = RedirectResponse(come_back_to(next) or home_of(role, schools), status_code=303)
    response.set_cookie(COOKIE, sessions.dump(session), **cookie_options(sessions.max_age))
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out", summary="sign out")
def sign_out(request: Request, session: CheckedSession) -> Response:
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
