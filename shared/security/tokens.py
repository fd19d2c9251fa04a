"""Bearer tokens (JWT): who is acting, in which role, for which schools."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError

from shared.contracts import Actor, Role
from shared.runtime.settings import DoorstepSettings
from shared.security.identity import IdentityError, mapped, providers, verify

TRUST_WIDE_ROLES = frozenset({Role.TRUST_IT, Role.AUDITOR, Role.TRUST_SAFETY_LEAD, Role.SYSTEM})


class Principal(BaseModel):
    """The person behind a request, read from a verified token."""

    user_id: str
    role: Role
    trust_id: str
    schools: list[str]

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user_id, role=self.role)

    @property
    def trust_wide(self) -> bool:
        return self.role in TRUST_WIDE_ROLES


def mint_token(settings: DoorstepSettings, *, user: str, role: Role | str, schools: list[str],
               trust: str | None = None, ttl: timedelta = timedelta(hours=12)) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "sub": user,
        "role": str(Role(role)),
        "trust": trust or settings.default_trust,
        "schools": schools,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


class VerifiedTokens:
    """Tokens already verified, kept until they expire: a phone sends the same token with every
    check-in, and checking its signature again each time was a tenth of a check-in's work. Only
    verified tokens are kept, each under the settings it was verified with; the staff register
    and the access policy are still consulted on every request."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self.known: OrderedDict[tuple[str, ...], tuple[Principal, float]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Principal | None:
        with self.lock:
            found = self.known.get(key)
            if found is None:
                return None
            if time.time() >= found[1]:
                del self.known[key]
                return None
            self.known.move_to_end(key)
            return found[0]

    def put(self, key: tuple[str, ...], principal: Principal, expires: float) -> None:
        with self.lock:
            self.known[key] = (principal, expires)
            while len(self.known) > self.size:
                self.known.popitem(last=False)


_verified = VerifiedTokens()


def verify_token(settings: DoorstepSettings, token: str) -> Principal:
    """A token from a trust's identity provider, or (never in production) a development one."""
    key = (settings.environment, settings.jwt_secret, settings.jwt_issuer,
           str(settings.identity_file or ""), token)
    principal = _verified.get(key)
    if principal is None:
        principal, expires = _verify(settings, token)
        _verified.put(key, principal, expires)
    return principal


def _verify(settings: DoorstepSettings, token: str) -> tuple[Principal, float]:
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError as error:
        raise HTTPException(401, f"the bearer token is not a JWT: {error}") from error
    known = providers(settings.identity_file) if settings.identity_file else {}
    if issuer in known:
        try:
            claims = verify(token, known[issuer])
            return Principal(**mapped(claims, known[issuer])), float(claims["exp"])
        except (IdentityError, ValidationError) as error:
            raise HTTPException(401, str(error)) from error
    if settings.environment == "production" or issuer != settings.jwt_issuer:
        raise HTTPException(401, f"tokens from issuer {issuer!r} are not accepted: sign in with "
                                 "your trust's identity provider")
    return _development_token(settings, token)


def _development_token(settings: DoorstepSettings, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"],
                            issuer=settings.jwt_issuer, options={"require": ["sub", "exp"]})
        return Principal(user_id=claims["sub"], role=claims.get("role", ""),
                         trust_id=claims.get("trust", ""), schools=claims.get("schools", [])
                         ), float(claims["exp"])
    except jwt.ExpiredSignatureError as error:
        raise HTTPException(401, "the bearer token has expired: ask for a new one") from error
    except (jwt.InvalidTokenError, ValidationError, KeyError) as error:
        raise HTTPException(401, f"the bearer token is not valid: {error}") from error


_bearer = HTTPBearer(auto_error=False)


def principal_from(request: Request) -> Principal:
    """The verified bearer token of this request (verified once, then kept on the request)."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "missing bearer token: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    settings: DoorstepSettings = request.app.state.settings
    principal = verify_token(settings, token.strip())
    request.state.principal = principal
    return principal


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The route's principal; the access policy (shared/security/access.py) has already let it through
    (and verified the token). Async, so it costs no hop to a worker thread."""
    return principal_from(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
