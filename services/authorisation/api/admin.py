"""HTTP routes for policy packs. Thin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.authorisation.api.decisions import app_of
from services.authorisation.commands import AssignmentIn, PackFileIn
from services.authorisation.packs import PolicyError
from shared.contracts.base import SchoolUrn
from shared.contracts.errors import Invalid, NotFound
from shared.security.tokens import CurrentPrincipal

router = APIRouter(tags=["policy packs"])


@router.get("/v1/policy-packs")
def list_packs(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every policy pack this deployment knows."""
    return [{"name": p.name, "title": p.title, "version": p.version, "extends": p.extends,
             "source": p.source, "rules": p.rule_names()}
            for p in app_of(request).catalogue.packs.values()]


@router.get("/v1/policy-packs/{name}")
def read_pack(name: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """One pack, every rule with its parameters and citation."""
    pack = app_of(request).catalogue.packs.get(name)
    if pack is None:
        raise NotFound(f"no policy pack named {name!r}")
    return pack.model_dump(mode="json", exclude_none=True)


@router.post("/v1/policy-packs/validate")
def validate_pack(body: PackFileIn, request: Request, principal: CurrentPrincipal
                  ) -> dict[str, Any]:
    """Check a pack file; 422 names the file, the field and the problem of each fault."""
    try:
        pack = app_of(request).catalogue.check(body.content, body.filename)
    except PolicyError as error:
        raise Invalid(f"{body.filename} is not a valid policy pack",
                      details=[str(p) for p in error.problems]) from None
    return {"valid": True, "name": pack.name, "rules": pack.rule_names()}


@router.get("/v1/schools/{urn}/policy")
def read_policy(urn: SchoolUrn, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """The school's assignment and the policy in force."""
    app = app_of(request)
    return {**app.assignment(urn), "in_force": app.policy_status(urn, principal.trust_id),
            "effective": app.pack_for(urn).model_dump(mode="json", exclude_none=True)}


@router.put("/v1/schools/{urn}/policy")
def assign_policy(urn: SchoolUrn, body: AssignmentIn, request: Request,
                  principal: CurrentPrincipal) -> dict[str, Any]:
    """Assign a pack (with overrides) to the school; nothing applies unless all of it is valid."""
    app = app_of(request)
    pack = app.assign_pack(urn, body, principal.actor, principal.trust_id)
    return {**app.assignment(urn), "effective": pack.model_dump(mode="json", exclude_none=True)}
