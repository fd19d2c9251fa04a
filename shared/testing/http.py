"""HTTP helpers for tests: a client per person, with their bearer token."""

from __future__ import annotations

import httpx

from shared.auth import mint_token
from shared.settings import DoorstepSettings


def client_for(settings: DoorstepSettings, base_url: str, *, user: str, role: str,
               schools: list[str]) -> httpx.AsyncClient:
    token = mint_token(settings, user=user, role=role, schools=schools)
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                             timeout=15.0)
