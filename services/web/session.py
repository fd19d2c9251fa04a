"""Signed, HTTP-only session cookies; the page's token becomes the request's bearer token, so
every page goes through the same access policy as the API. CSRF tokens on every form."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "doorstep_session"
SIGN_IN_COOKIE = "doorstep_sign_in"


class Session(BaseModel):
    token: str
    user: str
    role: str
    trust: str
    schools: list[str]
    csrf: str
    name: str | None = None  # as the school's staff register names them, when they signed in


class Sessions:
    def __init__(self, secret: str, hours: float) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="doorstep-session")
        self.max_age = int(hours * 3600)

    def dump(self, session: Session) -> str:
        return self.serializer.dumps(session.model_dump())

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            return Session.model_validate(self.serializer.loads(cookie, max_age=self.max_age))
        except (BadSignature, ValueError):
            return None


def cookie_options(max_age: int) -> dict[str, Any]:
    return {"max_age": max_age, "httponly": True, "secure": True, "samesite": "lax", "path": "/"}


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def come_back_to(path: str | None) -> str | None:
    """Where to go after signing in (the page a link led to): a path of these pages, never
    another site's address; None for anything else."""
    if path and len(path) <= 500 and re.fullmatch(r"/(?![/\\])[\w\-./?=&%]*", path) \
            and not path.startswith("/sign-in"):
        return path
    return None


def home_of(role: str, schools: list[str]) -> str:
    """Where a person starts: the trust's page, their school's board or page, or sign-in."""
    if role in ("auditor", "trust_it", "trust_safety_lead") or not schools:
        return "/trust" if role in ("auditor", "trust_it", "trust_safety_lead") else "/sign-in"
    if role in ("buddy", "office"):
        return f"/schools/{schools[0]}/board"
    return f"/schools/{schools[0]}"


class SessionAuth:
    """ASGI middleware: a valid session cookie stands for `Authorization: Bearer <its token>`."""

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            session = self.sessions.load(request.cookies.get(COOKIE))
            scope.setdefault("state", {})["session"] = session
            if session and not request.headers.get("authorization"):
                scope["headers"] = [*scope["headers"],
                                    (b"authorization", f"Bearer {session.token}".encode())]
        await self.app(scope, receive, send)


def session_of(request: Request) -> Session:
    session: Session | None = getattr(request.state, "session", None)
    if session is None:
        raise HTTPException(401, "sign in first")
    return session


async def checked_csrf(request: Request, csrf: str = Form(..., description="the form's token")
                       ) -> Session:
    """Every form that changes anything carries the session's CSRF token."""
    session = session_of(request)
    if not hmac.compare_digest(csrf, session.csrf):
        raise HTTPException(403, "this form has expired or did not come from Doorstep: reload "
                                 "the page and try again")
    return session


CheckedSession = Annotated[Session, Depends(checked_csrf)]
PageSession = Annotated[Session, Depends(session_of)]
