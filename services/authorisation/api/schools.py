"""HTTP routes of the school directory: trust IT onboards, changes and archives its schools."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.authorisation.api.decisions import app_of
from services.authorisation.commands import ArchiveIn, SchoolDetailsIn, SchoolIn
from services.authorisation.domain.directory import School
from shared.contracts.base import SchoolUrn
from shared.security.tokens import CurrentPrincipal

router = APIRouter(tags=["school directory"])


@router.get("/v1/schools")
def list_schools(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The trust's schools, open ones first, by name."""
    return [school_view(s) for s in app_of(request).schools(principal.trust_id)]


@router.post("/v1/schools", status_code=201)
def onboard_school(body: SchoolIn, request: Request, principal: CurrentPrincipal
                   ) -> dict[str, Any]:
    """Onboard a school into the trust: usable by every service within moments."""
    details = SchoolDetailsIn(**body.model_dump(exclude={"urn"}))
    school = app_of(request).onboard(body.urn, principal.trust_id, details, principal.actor)
    return school_view(school)


@router.get("/v1/schools/{urn}")
def read_school(urn: SchoolUrn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """One school: its name, time zone, school day, policy pack and office number."""
    return school_view(app_of(request).school(urn))


@router.put("/v1/schools/{urn}")
def change_school(urn: SchoolUrn, body: SchoolDetailsIn, request: Request,
                  principal: CurrentPrincipal) -> dict[str, Any]:
    """Change a school's details (the whole of them)."""
    return school_view(app_of(request).change_school(urn, body, principal.actor))


@router.post("/v1/schools/{urn}/archive")
def archive_school(urn: SchoolUrn, body: ArchiveIn, request: Request,
                   principal: CurrentPrincipal) -> dict[str, Any]:
    """Archive a school: its records stay readable; nothing new can be done there."""
    return school_view(app_of(request).archive_school(urn, body.reason, principal.actor))


def school_view(school: School) -> dict[str, Any]:
    return {"urn": school.school_urn, "trust_id": school.trust_id, **school.details,
            "archived": school.archived, "archived_because": school.archived_because}
