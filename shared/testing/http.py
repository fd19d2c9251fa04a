"""HTTP helpers for tests: a client per person, with their bearer token, that never accepts a 5xx."""

from __future__ import annotations

import httpx

from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token


async def refuse_server_errors(response: httpx.Response) -> None:
    """Bad input must get a 4xx that says what to fix; a 5xx anywhere in the suite is a failure."""
    if response.status_code >= 500:
        await response.aread()
        raise AssertionError(f"{response.request.method} {response.request.url} answered "
                             f"{response.status_code}: {response.text}")


def client_for(settings: DoorstepSettings, base_url: str, *, user: str, role: str,
               schools: list[str]) -> httpx.AsyncClient:
    token = mint_token(settings, user=user, role=role, schools=schools)
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                             timeout=15.0, event_hooks={"response": [refuse_server_errors]})


def anonymous(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=15.0,
                             event_hooks={"response": [refuse_server_errors]})
