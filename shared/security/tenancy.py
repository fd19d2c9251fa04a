"""Which trust a school belongs to. A school belongs to exactly one trust.

The school directory (`shared/security/directory.py`) answers first: schools that trust IT has
onboarded. A schools file (`DOORSTEP_SCHOOLS_FILE`) is imported into the directory at first start
and answers for its schools until then. With neither, a development deployment serves any school
in its default trust; production serves only the schools it knows.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import Request

from shared.contracts.errors import NotFound
from shared.runtime.settings import DoorstepSettings
from shared.security.directory import SchoolDirectory


@cache
def _load(path: Path) -> dict[str, dict[str, Any]]:
    """`trusts: {trust-id: [urn | {urn, name, ...}, ...]}` -> {urn: {trust_id, urn, ...}}; a URN
    listed twice is refused."""
    data = yaml.safe_load(path.read_text()) or {}
    schools: dict[str, dict[str, Any]] = {}
    for trust, entries in (data.get("trusts") or {}).items():
        for entry in entries or []:
            school = dict(entry) if isinstance(entry, dict) else {"urn": entry}
            urn = str(school["urn"])
            if urn in schools:
                raise ValueError(f"{path}: school {urn} is listed under "
                                 f"{schools[urn]['trust_id']} and {trust}")
            schools[urn] = {**school, "urn": urn, "trust_id": str(trust)}
    return schools


def schools_in_file(settings: DoorstepSettings) -> list[dict[str, Any]]:
    """The schools file's entries (for the first-start import); none without a file."""
    if settings.schools_file is None:
        return []
    return list(_load(settings.schools_file).values())


def school_trust(settings: DoorstepSettings, urn: str,
                 directory: SchoolDirectory | None = None) -> str:
    known = directory.get(urn) if directory is not None else None
    if known is not None:
        return known.trust_id
    if settings.schools_file is not None:
        listed = _load(settings.schools_file).get(urn)
        if listed is not None:
            return str(listed["trust_id"])
    elif settings.environment != "production":
        return settings.default_trust
    raise NotFound(f"school {urn} is not registered with this deployment")


def schools_of(settings: DoorstepSettings, trust: str,
               directory: SchoolDirectory | None = None) -> list[str] | None:
    """The trust's schools: onboarded, or listed in the schools file; None when the deployment
    knows no school at all (development with neither)."""
    onboarded = {s.urn for s in directory.of_trust(trust)} if directory is not None else set()
    listed = {urn for urn, s in _load(settings.schools_file).items() if s["trust_id"] == trust} \
        if settings.schools_file is not None else set()
    if not onboarded and settings.schools_file is None and (
            directory is None or not directory.schools):
        return None
    return sorted(onboarded | listed)


def directory_of(request: Request) -> SchoolDirectory | None:
    directory: SchoolDirectory | None = getattr(request.app.state, "directory", None)
    return directory


def trust_of(request: Request, urn: str) -> str:
    settings: DoorstepSettings = request.app.state.settings
    return school_trust(settings, urn, directory_of(request))
