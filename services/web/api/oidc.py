"""Signing in to the pages through the trust's identity provider: OpenID Connect's authorisation
code flow with PKCE. The token the provider gives is the one the services check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Annotated

import httpx
import jwt
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.web.api.people import own_name
from services.web.session import (
    COOKIE,
    Session,
    Sessions,
    come_back_to,
    cookie_options,
    home_of,
    new_csrf,
)
from services.web.settings import WebSettings
from shared.runtime.settings import DoorstepSettings
from shared.security.identity import Provider, providers
from shared.security.tokens import verify_token

router = APIRouter(tags=["pages"])
FLOW_COOKIE = "doorstep_oidc"


def sign_in_providers(settings: DoorstepSettings) -> dict[str, Provider]:
    """The trusts whose provider is set up for the pages' sign-in, by trust id."""
    if not settings.identity_file:
        return {}
    return {p.trust: p for p in providers(settings.identity_file).values()
            if p.authorization_url and p.token_url and p.client_id}


def _flow(request: Request) -> URLSafeTimedSerializer:
    own: WebSettings = request.app.state.web_settings
    return URLSafeTimedSerializer(own.session_secret, salt="doorstep-oidc")


def _callback(request: Request) -> str:
    own: WebSettings = request.app.state.web_settings
    base = own.public_url or str(request.base_url).rstrip("/")
    return f"{base}/sign-in/callback"


@router.get("/sign-in/oidc/{trust}", summary="sign in through the trust's identity provider")
def start(trust: str, request: Request,
          next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    provider = sign_in_providers(request.app.state.settings).get(trust)
    if provider is None:
        raise HTTPException(404, f"no identity provider is set up for trust {trust}")
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).decode().rstrip("=")
    query = httpx.QueryParams({"response_type": "code", "client_id": provider.client_id,
                               "redirect_uri": _callback(request), "scope": provider.scope,
                               "state": state, "code_challenge": challenge,
                               "code_challenge_method": "S256"})
    response = RedirectResponse(f"{provider.authorization_url}?{query}", status_code=303)
    response.set_cookie(FLOW_COOKIE, _flow(request).dumps(
        {"state": state, "verifier": verifier, "trust": trust, "next": come_back_to(next)}),
        **cookie_options(600))
    return response


@router.get("/sign-in/callback", summary="the identity provider sends the person back here")
async def callback(request: Request, code: Annotated[str, Query(max_length=4096)],
                   state: Annotated[str, Query(max_length=200)]) -> Response:
    try:
        flow = _flow(request).loads(request.cookies.get(FLOW_COOKIE, ""), max_age=600)
    except BadSignature:
        raise HTTPException(400, "this sign-in was not started here, or took over 10 minutes: "
                                 "start again") from None
    if not hmac.compare_digest(str(flow["state"]), state):
        raise HTTPException(400, "the sign-in's state does not match: start again")
    provider = sign_in_providers(request.app.state.settings)[flow["trust"]]
    own: WebSettings = request.app.state.web_settings
    form = {"grant_type": "authorization_code", "code": code, "client_id": provider.client_id,
            "redirect_uri": _callback(request), "code_verifier": flow["verifier"]}
    secret = own.oidc_client_secrets.get(provider.trust)
    if secret:
        form["client_secret"] = secret
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(str(provider.token_url), data=form)
    if answer.status_code != 200 or "access_token" not in answer.json():
        raise HTTPException(502, f"the identity provider refused the sign-in ({answer.status_code})")
    token = answer.json()["access_token"]
    principal = verify_token(request.app.state.settings, token)  # as every service will
    if principal.trust_id != provider.trust:
        raise HTTPException(403, "that account belongs to another trust")
    expires = int(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
    sessions: Sessions = request.app.state.sessions
    session = Session(token=token, user=principal.user_id, role=str(principal.role),
                      trust=principal.trust_id, schools=list(principal.schools), csrf=new_csrf())
    session.name = await own_name(request, session)
    response = RedirectResponse(come_back_to(flow.get("next")) or home_of(session.role,
                                                                         session.schools),
                                status_code=303)
    lifetime = max(60, min(sessions.max_age, expires - int(time.time())))
    response.set_cookie(COOKIE, sessions.dump(session), **cookie_options(lifetime))
    response.delete_cookie(FLOW_COOKIE, path="/")
    return response
