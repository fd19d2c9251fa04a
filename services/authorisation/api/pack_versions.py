"""HTTP routes for the versions of policy packs: upload a draft, publish, retire, adopt. Thin."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.authorisation.api.decisions import app_of
from services.authorisation.commands import AdoptionIn, PackUploadIn
from shared.contracts.base import SchoolUrn
from shared.security.tokens import CurrentPrincipal

router = APIRouter(tags=["policy pack versions"])
VERSION = "/v1/policy-packs/{name}/versions/{version}"


@router.post("/v1/policy-packs", status_code=201)
def upload_pack(body: PackUploadIn, request: Request, principal: CurrentPrincipal
                ) -> dict[str, Any]:
    """Store a pack file as the next version of its pack, drafted; a broken quote or an unknown
    rule refuses it whole (422 naming each line)."""
    return app_of(request).draft_pack(body.filename, body.content, body.policy_text,
                                      principal.actor, principal.trust_id)


@router.post("/v1/schools/{urn}/policy-packs", status_code=201)
def upload_school_pack(urn: SchoolUrn, body: PackUploadIn, request: Request,
                       principal: CurrentPrincipal) -> dict[str, Any]:
    """The school's DSL drafts a new version of a pack, as the trust safety lead can."""
    return app_of(request).draft_pack(body.filename, body.content, body.policy_text,
                                      principal.actor, principal.trust_id)


@router.get("/v1/policy-reviews")
def policy_reviews(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Each school of the trust: the version it decides under and when its policy is due for
    review (overdue, due within a month, current), by the policy's own text."""
    return app_of(request).policy_reviews(principal.trust_id)


@router.get("/v1/policy-packs/{name}/versions")
def list_versions(name: str, request: Request, principal: CurrentPrincipal
                  ) -> list[dict[str, Any]]:
    """Every version of the pack this trust may see, oldest first, with its review date."""
    return app_of(request).pack_versions(name, principal.trust_id)


@router.get(VERSION)
def read_version(name: str, version: int, request: Request, principal: CurrentPrincipal
                 ) -> dict[str, Any]:
    """One version: the pack whole, the file as uploaded, where it is in its life."""
    record = app_of(request).version_record(name, version, principal.trust_id)
    return {"name": name, **{k: v for k, v in record.items() if k != "policy_text"}}


@router.post(f"{VERSION}/publication")
def publish_version(name: str, version: int, request: Request, principal: CurrentPrincipal
                    ) -> dict[str, Any]:
    """A drafted version becomes one schools may adopt."""
    return app_of(request).publish_version(name, version, principal.actor, principal.trust_id)


@router.post(f"{VERSION}/retirement")
def retire_version(name: str, version: int, request: Request, principal: CurrentPrincipal
                   ) -> dict[str, Any]:
    """No school may adopt the version from now on (those that did keep it until they change)."""
    return app_of(request).retire_version(name, version, principal.actor, principal.trust_id)


@router.post("/v1/schools/{urn}/policy/adoption")
def adopt_version(urn: SchoolUrn, body: AdoptionIn, request: Request,
                  principal: CurrentPrincipal) -> dict[str, Any]:
    """The school decides under this version from the date given (a draft is published first)."""
    app = app_of(request)
    record = app.version_record(body.pack, body.version, principal.trust_id)
    if record["status"] == "drafted":
        app.publish_version(body.pack, body.version, principal.actor, principal.trust_id)
    day = body.from_date or datetime.now(UTC).date()
    in_force = app.adopt(urn, body.pack, body.version, day, principal.actor, principal.trust_id)
    return {"school_urn": urn, "pack": in_force.pack.name, "version": in_force.version,
            "label": in_force.label, "from_date": day.isoformat()}


Day = Annotated[date | None, Query(description="YYYY-MM-DD")]


@router.get("/v1/schools/{urn}/policy-packs/{name}/versions/{version}/what-if")
def school_what_if(urn: SchoolUrn, name: str, version: int, request: Request,
                   principal: CurrentPrincipal, from_date: Day = None, to_date: Day = None
                   ) -> dict[str, Any]:
    """The school's decisions in the period (default: the last 90 days) that this version would
    have changed, with the rules that make the difference. Writes nothing."""
    start, end = period(from_date, to_date)
    return app_of(request).what_if(name, version, principal.trust_id, start, end,
                                   school_urn=urn).as_dict()


@router.get(f"{VERSION}/what-if")
def trust_what_if(name: str, version: int, request: Request, principal: CurrentPrincipal,
                  from_date: Day = None, to_date: Day = None) -> dict[str, Any]:
    """As for a school, over every school of the trust that follows the pack."""
    start, end = period(from_date, to_date)
    return app_of(request).what_if(name, version, principal.trust_id, start, end).as_dict()


def period(start: date | None, end: date | None) -> tuple[date, date]:
    end = end or datetime.now(UTC).date()
    return start or end - timedelta(days=90), end
