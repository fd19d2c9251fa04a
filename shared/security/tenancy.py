"""Which trust a school belongs to. A school belongs to exactly one trust."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from fastapi import Request

from shared.contracts.errors import NotFound
from shared.runtime.settings import DoorstepSettings


@cache
def _load(path: Path) -> dict[str, str]:
    """`trusts: {trust-id: [urn, ...]}` -> {urn: trust-id}; a URN listed twice is refused."""
    data = yaml.safe_load(path.read_text()) or {}
    schools: dict[str, str] = {}
    for trust, urns in (data.get("trusts") or {}).items():
        for urn in urns or []:
            urn = str(urn)
            if urn in schools:
                raise ValueError(f"{path}: school {urn} is listed under {schools[urn]} and {trust}")
            schools[urn] = str(trust)
    return schools


def school_trust(settings: DoorstepSettings, urn: str) -> str:
    if settings.schools_file is None:
        return settings.default_trust
    trust = _load(settings.schools_file).get(urn)
    if trust is None:
        raise NotFound(f"school {urn} is not registered with this deployment")
    return trust


def schools_of(settings: DoorstepSettings, trust: str) -> list[str] | None:
    """The trust's schools, from the schools file; None when the deployment has no such file."""
    if settings.schools_file is None:
        return None
    return sorted(urn for urn, owner in _load(settings.schools_file).items() if owner == trust)


def trust_of(request: Request, urn: str) -> str:
    settings: DoorstepSettings = request.app.state.settings
    return school_trust(settings, urn)
