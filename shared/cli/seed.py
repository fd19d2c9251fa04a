"""The embedded default's example school: a staff register for the README's walk-through."""

from __future__ import annotations

import httpx

from shared.auth import mint_token
from shared.settings import DoorstepSettings

SCHOOL = "123456"
PEOPLE = {"staff-0001": ["staff"], "staff-0002": ["staff"], "dsl-0001": ["dsl"],
          "head-0001": ["headteacher"], "office-0001": ["office", "buddy"], "slt-0001": ["slt"]}


def seed_register(settings: DoorstepSettings, authorisation_url: str) -> list[str]:
    """Put the example people on school 123456's register, unless it already has people."""
    token = mint_token(settings, user="it-0001", role="trust_it", schools=[])
    with httpx.Client(base_url=authorisation_url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        if client.get(f"/v1/schools/{SCHOOL}/staff").json():
            return []
        for person, roles in PEOPLE.items():
            client.put(f"/v1/schools/{SCHOOL}/staff/{person}",
                       json={"roles": roles}).raise_for_status()
    return list(PEOPLE)
