"""Every route of the four services x every kind of caller gets what the access policy says, on
real processes: zero cross-trust 2xx, zero cross-school 2xx for school roles."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from shared.contracts import Role
from shared.runtime.launcher import SERVICES
from shared.runtime.settings import DoorstepSettings
from shared.security.access import POLICY, Scope, check_complete, routes_of
from shared.security.tokens import mint_token

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
OWN, SIBLING, OTHER = "123456", "123457", "654321"
SCHOOLS_YAML = f'trusts:\n  t1: ["{OWN}", "{SIBLING}"]\n  t2: ["{OTHER}"]\n'
SCHOOL_ROLES = [Role.STAFF, Role.BUDDY, Role.OFFICE, Role.DSL, Role.DEPUTY_DSL, Role.SLT,
                Role.HEADTEACHER]
TRUST_ROLES = [Role.TRUST_IT, Role.AUDITOR, Role.TRUST_SAFETY_LEAD]
PARAMS = {"urn": OWN, "view": "visits-in-progress", "name": "trust-default",
          "staff_id": "staff-0001", "kind": "household", "subject_id": "hh-0001",
          "household_id": "hh-0001",
          "code": "abcdefgh1234", "version": "1"}


def personas(settings: DoorstepSettings) -> dict[str, tuple[str | None, Role | None, str]]:
    """name -> (token, role, relation to school OWN): own, sibling-school, other-trust, none."""
    def token(role: Role, trust: str, schools: list[str], ttl: timedelta = timedelta(hours=1)
              ) -> str:
        return mint_token(settings, user=f"{role}-1", role=role, trust=trust, schools=schools,
                          ttl=ttl)

    found: dict[str, tuple[str | None, Role | None, str]] = {
        "no token": (None, None, "none"),
        "expired": (token(Role.DSL, "t1", [OWN], timedelta(seconds=-60)), Role.DSL, "none"),
        "dsl of a sibling school": (token(Role.DSL, "t1", [SIBLING]), Role.DSL, "sibling"),
    }
    for role in SCHOOL_ROLES:
        found[f"{role} of the school"] = (token(role, "t1", [OWN]), role, "own")
        found[f"{role} of another trust"] = (token(role, "t2", [OTHER]), role, "other")
    for role in TRUST_ROLES:
        found[f"{role} of the trust"] = (token(role, "t1", []), role, "own")
        found[f"{role} of another trust"] = (token(role, "t2", []), role, "other")
    return found


def expected(method: str, path: str, role: Role | None, relation: str) -> str:
    rule = POLICY[f"{method} {path}"]
    if rule.scope is Scope.PUBLIC:
        return "allowed"
    if relation == "none":
        return "401"
    if rule.scope is Scope.SCHOOL and relation == "other":
        return "404"
    if rule.scope is Scope.SCHOOL and relation == "sibling":
        return "403"
    return "allowed" if role in rule.roles else "403"


def verdict(answer: httpx.Response) -> str:
    """What the policy did, read from the answer (a route may still refuse on its own terms)."""
    json_answer = answer.headers.get("content-type", "").startswith("application/json")
    body = answer.json() if answer.content and json_answer else {}
    detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
    if answer.status_code == 401:
        return "401"
    if answer.status_code == 404 and detail.startswith("no school"):
        return "404"
    if answer.status_code == 403 and ("needs one of these roles" in detail
                                      or "your token covers" in detail):
        return "403"
    return "allowed"


async def test_every_route_for_every_caller(make_settings, make_cluster, tmp_path: Path) -> None:
    schools = tmp_path / "schools.yaml"
    schools.write_text(SCHOOLS_YAML)
    settings = make_settings(schools_file=schools, default_trust="t1")
    cluster = make_cluster(settings)
    wrong: list[str] = []
    checked = 0
    for service in SERVICES:
        url = cluster[service].url
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            document = (await client.get("/openapi.json")).json()
            for path, operations in document["paths"].items():
                concrete = path.format_map({**{k: str(uuid4()) for k in (
                    "visit_id", "assessment_id", "escalation_id", "incident_id", "concern_id",
                    "feedback_id")},
                    **PARAMS})
                for method in operations:
                    method = method.upper()
                    for name, (token, role, relation) in personas(settings).items():
                        headers = {"Authorization": f"Bearer {token}"} if token else {}
                        answer = await client.request(
                            method, concrete, headers=headers,
                            json={} if method in ("POST", "PUT") else None)
                        checked += 1
                        want, got = expected(method, path, role, relation), verdict(answer)
                        if answer.status_code >= 500 or want != got:
                            wrong.append(f"{service} {method} {path} as {name}: wanted {want}, "
                                         f"got {answer.status_code} {answer.text[:120]}")
                        if relation == "other" and answer.is_success and "{urn}" in path:
                            wrong.append(f"{service} {method} {path} as {name}: cross-trust 2xx")
    assert checked > 600
    assert not wrong, "\n".join(wrong[:40])


def test_a_route_missing_from_the_policy_stops_the_app_being_built() -> None:
    api = FastAPI()

    @api.get("/v1/schools/{urn}/secrets")
    def secrets(urn: str) -> dict[str, str]:
        return {}

    assert ("GET", "/v1/schools/{urn}/secrets") in routes_of(api)
    with pytest.raises(LookupError, match=re.escape("GET /v1/schools/{urn}/secrets")):
        check_complete(api)
