"""Real identity for a trust: access tokens from its OpenID Connect provider (Entra ID, Google).

Each trust names its provider in the identity file (`DOORSTEP_IDENTITY_FILE`, YAML):

```yaml
providers:
  - trust: west-norfolk
    issuer: https://login.microsoftonline.com/<tenant-id>/v2.0
    audience: api://doorstep
    jwks_url: https://login.microsoftonline.com/<tenant-id>/discovery/v2.0/keys
    user_claim: preferred_username        # who: oid, email, preferred_username ...
    roles_claim: roles                    # Entra app roles (or "groups")
    roles: {Doorstep.DSL: dsl, Doorstep.Staff: staff, Doorstep.TrustIT: trust_it}
    schools_claim: groups                 # which schools: groups mapped to URNs
    schools: {"7d1c...-ordsall-staff": "123456"}
```

A token is verified against the issuer's published keys (JWKS, RS256 or ES256; PyJWT's
PyJWKClient fetches them again when a token names a key it has not seen, so a rotation needs no
restart), its audience, issuer and expiry (with a minute's leeway for clocks). Its claims are
mapped to one Doorstep role, the trust, and the schools.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jwt
import yaml
from pydantic import BaseModel, Field

from shared.contracts import Role

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 60


class IdentityError(Exception):
    """Why a token from an identity provider is not accepted (becomes a 401)."""


class Provider(BaseModel):
    trust: str
    issuer: str
    audience: str
    jwks_url: str
    user_claim: str = "sub"
    roles_claim: str = "roles"
    roles: dict[str, Role]
    schools_claim: str = "groups"
    schools: dict[str, str] = Field(default_factory=dict)
    # A token naming an unknown key fetches the keys again, at most this often.
    refetch_after_seconds: float = Field(30.0, ge=0)
    # For the pages' sign-in (authorisation code flow with PKCE); the client secret, if the
    # provider wants one, comes from DOORSTEP_WEB_OIDC_CLIENT_SECRETS, never from this file.
    authorization_url: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    scope: str = "openid profile"


class Providers(BaseModel):
    providers: list[Provider]


@cache
def providers(path: Path) -> dict[str, Provider]:
    loaded = Providers.model_validate(yaml.safe_load(path.read_text()) or {"providers": []})
    return {provider.issuer: provider for provider in loaded.providers}


@cache
def _keys(jwks_url: str, refetch_after: float) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=10,
                           cooldown_duration=refetch_after)


def verify(token: str, provider: Provider) -> dict[str, Any]:
    """The verified claims, or IdentityError saying what is wrong with the token."""
    header = jwt.get_unverified_header(token)
    if header.get("alg") not in ALGORITHMS:
        raise IdentityError(f"tokens signed with alg {header.get('alg')!r} are not accepted; "
                            f"the provider must sign with {' or '.join(ALGORITHMS)}")
    try:
        key = _keys(provider.jwks_url, provider.refetch_after_seconds
                    ).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientError as error:
        raise IdentityError(f"the token is signed by a key {provider.issuer} does not publish "
                            f"({error})") from error
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=ALGORITHMS, audience=provider.audience,
            issuer=provider.issuer, leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"]})
    except jwt.ExpiredSignatureError as error:
        raise IdentityError("the token has expired: sign in again") from error
    except jwt.InvalidAudienceError as error:
        raise IdentityError(f"the token is for another audience, not {provider.audience}"
                            ) from error
    except jwt.InvalidIssuerError as error:
        raise IdentityError(f"the token's issuer is not {provider.issuer}") from error
    except jwt.InvalidTokenError as error:
        raise IdentityError(f"the token is not valid: {error}") from error
    return claims


def mapped(claims: dict[str, Any], provider: Provider) -> dict[str, Any]:
    """The provider's claims as Doorstep's: user, one role, trust, schools."""
    granted = _as_list(claims.get(provider.roles_claim))
    roles = [provider.roles[name] for name in granted if name in provider.roles]
    if not roles:
        raise IdentityError(f"the token carries no role Doorstep knows in '{provider.roles_claim}'"
                            f"; ask trust IT to assign one of: {', '.join(sorted(provider.roles))}")
    user = claims.get(provider.user_claim)
    if not isinstance(user, str) or not user:
        raise IdentityError(f"the token has no '{provider.user_claim}' claim to name the user")
    schools = sorted({provider.schools[g] for g in _as_list(claims.get(provider.schools_claim))
                      if g in provider.schools})
    return {"user_id": user, "role": roles[0], "trust_id": provider.trust, "schools": schools}


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []
