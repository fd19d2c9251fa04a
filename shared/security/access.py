"""The one access policy: for every route of every service, who may use it and how far it reaches.

Data, not code scattered through routes. Every request goes through `enforce` (an app-wide
dependency), which finds its route here, checks the bearer token, the role and the scope:

- `school`: routes under /v1/schools/{urn}. A school role reaches only the schools on its
  token; a trust-wide role reaches every school of its own trust. A school of another trust
  answers 404, exactly as if it did not exist.
- `trust`: trust-wide records (the audit trail, refused messages) of the token's own trust.
- `catalogue`: shared, non-personal reference data (the policy packs): any signed-in role.
- `public`: no token (health; metrics, which may ask for a scrape token of their own).

A route with no entry is refused when the app is built: nothing is open by omission.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.routing import APIRoute

from shared.contracts import Role
from shared.contracts.errors import NotFound
from shared.security.tenancy import directory_of, school_trust
from shared.security.tokens import Principal, principal_from


class Scope(StrEnum):
    SCHOOL = "school"
    TRUST = "trust"
    CATALOGUE = "catalogue"
    PUBLIC = "public"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    scope: Scope


R = Role
FRONT_LINE = frozenset({R.STAFF, R.BUDDY, R.OFFICE, R.DSL, R.DEPUTY_DSL, R.SLT, R.HEADTEACHER})
SENIOR = frozenset({R.DSL, R.DEPUTY_DSL, R.SLT, R.HEADTEACHER})
DSLS = frozenset({R.DSL, R.DEPUTY_DSL})
TRUST_WIDE = frozenset({R.TRUST_IT, R.AUDITOR, R.TRUST_SAFETY_LEAD})
OVERSIGHT = frozenset({R.AUDITOR, R.TRUST_IT, R.TRUST_SAFETY_LEAD})
# Who watches a visit's safety; the member of staff on the visit is never among them.
WATCHERS = frozenset({R.BUDDY, R.OFFICE, *SENIOR, *TRUST_WIDE})
RESPONDERS = frozenset({R.BUDDY, R.OFFICE, *SENIOR, R.TRUST_SAFETY_LEAD})
EVERYONE = frozenset({*FRONT_LINE, *TRUST_WIDE})


def _school(*roles: frozenset[Role] | Role) -> Rule:
    return Rule(_roles(roles), Scope.SCHOOL)


def _trust(*roles: frozenset[Role] | Role) -> Rule:
    return Rule(_roles(roles), Scope.TRUST)


def _roles(given: tuple[frozenset[Role] | Role, ...]) -> frozenset[Role]:
    out: set[Role] = set()
    for item in given:
        out |= item if isinstance(item, frozenset) else {item}
    return frozenset(out)


S = "/v1/schools/{urn}"
V = f"{S}/visits/{{visit_id}}"
P = "/schools/{urn}"  # the pages
POLICY: dict[str, Rule] = {
    # every service
    "GET /health": Rule(frozenset(), Scope.PUBLIC),
    # counts and gauges only, never personal data; the scraper may be held to a token
    # (DOORSTEP_METRICS_TOKEN, checked by the route itself: shared/service/observed.py)
    "GET /metrics": Rule(frozenset(), Scope.PUBLIC),
    "GET /operations/refused-messages": _trust(R.TRUST_IT, R.AUDITOR),
    # visits
    f"POST {S}/visits": _school(FRONT_LINE),
    f"GET {V}": _school(FRONT_LINE, TRUST_WIDE),
    # the Home Visits Log: the domain admits, of these, only its responders, buddy and staff
    f"GET {V}/home-visits-log": _school(FRONT_LINE, R.TRUST_SAFETY_LEAD),
    **{f"POST {V}/{step}": _school(FRONT_LINE) for step in (
        "departure", "arrival", "check-ins", "no-one-home", "leaving", "return", "cancellation",
        "duress")},
    # authorisation
    f"POST {V}/risk-assessments": _school(R.STAFF, SENIOR, R.TRUST_SAFETY_LEAD),
    f"POST {V}/decision": _school(SENIOR),
    f"GET {V}/authorisation": _school(FRONT_LINE, TRUST_WIDE),
    f"GET {S}/risk-assessments/{{assessment_id}}": _school(FRONT_LINE, TRUST_WIDE),
    f"POST {S}/risk-assessments/{{assessment_id}}/sign-off": _school(SENIOR, R.TRUST_SAFETY_LEAD),
    f"POST {S}/risk-assessments/{{assessment_id}}/review": _school(SENIOR, R.TRUST_SAFETY_LEAD),
    "GET /v1/policy-packs": Rule(EVERYONE, Scope.CATALOGUE),
    "GET /v1/policy-packs/{name}": Rule(EVERYONE, Scope.CATALOGUE),
    "POST /v1/policy-packs/validate": Rule(EVERYONE, Scope.CATALOGUE),  # checks, stores nothing
    f"GET {S}/policy": _school(FRONT_LINE, TRUST_WIDE),
    f"PUT {S}/policy": _school(R.TRUST_IT, R.TRUST_SAFETY_LEAD, R.HEADTEACHER),
    # versions of packs: a trust's own uploads are seen by that trust only (the code filters)
    "POST /v1/policy-packs": _trust(R.TRUST_SAFETY_LEAD),
    "GET /v1/policy-reviews": _trust(OVERSIGHT),
    f"POST {S}/policy-packs": _school(R.DSL, R.TRUST_SAFETY_LEAD),
    "GET /v1/policy-packs/{name}/versions": Rule(EVERYONE, Scope.CATALOGUE),
    "GET /v1/policy-packs/{name}/versions/{version}": Rule(EVERYONE, Scope.CATALOGUE),
    "POST /v1/policy-packs/{name}/versions/{version}/publication": _trust(R.TRUST_SAFETY_LEAD),
    "POST /v1/policy-packs/{name}/versions/{version}/retirement": _trust(R.TRUST_SAFETY_LEAD),
    f"POST {S}/policy/adoption": _school(R.DSL, R.HEADTEACHER, R.TRUST_SAFETY_LEAD),
    f"GET {S}/policy-packs/{{name}}/versions/{{version}}/what-if": _school(SENIOR,
                                                                          R.TRUST_SAFETY_LEAD),
    "GET /v1/policy-packs/{name}/versions/{version}/what-if": _trust(R.TRUST_SAFETY_LEAD,
                                                                     R.AUDITOR),
    "GET /v1/schools": _trust(TRUST_WIDE),
    "POST /v1/schools": _trust(R.TRUST_IT),
    f"GET {S}": _school(EVERYONE),
    f"PUT {S}": _school(R.TRUST_IT),
    f"POST {S}/archive": _school(R.TRUST_IT),
    f"GET {S}/staff": _school(SENIOR, R.OFFICE, TRUST_WIDE),
    f"GET {S}/colleagues": _school(FRONT_LINE),  # names, job titles, roles: no phones
    # a member of staff's own check-in PINs (visits); the domain admits only themselves
    f"PUT {S}/staff/{{staff_id}}/check-in-pins": _school(FRONT_LINE),
    f"PUT {S}/staff/{{staff_id}}": _school(R.OFFICE, R.HEADTEACHER, R.SLT, R.DSL, R.TRUST_IT),
    f"DELETE {S}/staff/{{staff_id}}": _school(R.OFFICE, R.HEADTEACHER, R.SLT, R.DSL, R.TRUST_IT),
    # a pupil picked by name (the household follows); the household's address and phones only
    # for those who keep the records or decide on visits
    f"GET {S}/pupils": _school(FRONT_LINE),
    f"GET {V}/sign-out-form": _school(FRONT_LINE),  # the staff going; the rule narrows it
    f"GET {S}/households/{{household_id}}": _school(R.OFFICE, SENIOR, R.TRUST_SAFETY_LEAD),
    f"PUT {S}/households/{{household_id}}": _school(R.OFFICE, R.HEADTEACHER, R.SLT, R.DSL,
                                                    R.TRUST_IT),
    f"POST {S}/imports/staff": _school(R.OFFICE, R.HEADTEACHER, R.SLT, R.DSL, R.TRUST_IT),
    f"POST {S}/imports/pupils": _school(R.OFFICE, R.HEADTEACHER, R.SLT, R.DSL, R.TRUST_IT),
    # escalation
    f"GET {S}/escalations": _school(WATCHERS),
    f"GET {S}/escalations/{{escalation_id}}": _school(WATCHERS),
    f"GET {S}/escalations/{{escalation_id}}/history": _school(WATCHERS),
    f"POST {S}/escalations/{{escalation_id}}/acknowledgement": _school(RESPONDERS),
    f"POST {S}/escalations/{{escalation_id}}/no-contact": _school(RESPONDERS),
    f"POST {S}/escalations/{{escalation_id}}/resolution": _school(RESPONDERS),
    f"GET {S}/escalation-contacts": _school(SENIOR, R.TRUST_IT, R.TRUST_SAFETY_LEAD),
    f"PUT {S}/escalation-contacts": _school(R.DSL, R.HEADTEACHER, R.SLT, R.TRUST_IT,
                                            R.TRUST_SAFETY_LEAD),
    "GET /v1/escalation-ladders": _trust(R.TRUST_IT, R.TRUST_SAFETY_LEAD, R.AUDITOR),
    "GET /v1/escalation-contacts": _trust(R.TRUST_IT, R.TRUST_SAFETY_LEAD),
    "PUT /v1/escalation-contacts": _trust(R.TRUST_IT, R.TRUST_SAFETY_LEAD),
    # providers' callbacks and acknowledge links: authenticated by signature or one-time code
    "POST /v1/notifications/twilio/status": Rule(frozenset(), Scope.PUBLIC),
    "POST /v1/notifications/twilio/keypress": Rule(frozenset(), Scope.PUBLIC),
    "POST /v1/notifications/notify/status": Rule(frozenset(), Scope.PUBLIC),
    # staff checking in by text or call: Twilio's signature, Notify's callback token (visits)
    **{f"POST /v1/inbound/{{urn}}/{hook}": Rule(frozenset(), Scope.PUBLIC) for hook in (
        "twilio/sms", "twilio/voice", "twilio/voice/pin", "notify/sms")},
    "GET /a/{code}": Rule(frozenset(), Scope.PUBLIC),
    "POST /a/{code}": Rule(frozenset(), Scope.PUBLIC),
    # records
    f"GET {V}/history": _school(WATCHERS),
    f"POST {S}/incidents": _school(FRONT_LINE),
    f"POST {S}/incidents/{{incident_id}}/sharing": _school(SENIOR),
    f"POST {S}/concerns": _school(FRONT_LINE),
    f"POST {S}/concerns/{{concern_id}}/receipt": _school(DSLS),
    f"POST {V}/write-up": _school(FRONT_LINE),
    f"POST {V}/feedback": _school(FRONT_LINE),
    f"POST {S}/feedback/{{feedback_id}}/debrief": _school(R.DSL, R.DEPUTY_DSL, R.HEADTEACHER),
    f"GET {S}/feedback": _school(SENIOR, R.TRUST_SAFETY_LEAD, R.AUDITOR),
    f"GET {S}/dashboard/{{view}}": _school(WATCHERS),
    "GET /v1/dashboard/{view}": _trust(OVERSIGHT),
    f"GET {S}/inspection-pack": _school(DSLS, R.HEADTEACHER, OVERSIGHT),
    "GET /v1/audit/history": _trust(OVERSIGHT, R.DSL, R.HEADTEACHER),
    "GET /v1/audit/verify": _trust(OVERSIGHT),
    "GET /v1/audit/checkpoints": _trust(OVERSIGHT),
    "GET /v1/audit/export": _trust(OVERSIGHT),
    "POST /v1/audit/corrections": _trust(R.DSL, R.TRUST_SAFETY_LEAD),
    f"GET {S}/data-subjects/{{kind}}/{{subject_id}}/access-export": _school(DSLS),
    f"POST {S}/data-subjects/{{kind}}/{{subject_id}}/erasure": _school(R.DSL),
    # web: the pages people use (services/web), each as the API it stands on
    "GET /": Rule(frozenset(), Scope.PUBLIC),
    "GET /sign-in": Rule(frozenset(), Scope.PUBLIC),
    "POST /sign-in": Rule(frozenset(), Scope.PUBLIC),  # development only; CSRF-checked
    "POST /sign-out": Rule(EVERYONE, Scope.CATALOGUE),
    "GET /sign-in/oidc/{trust}": Rule(frozenset(), Scope.PUBLIC),
    "GET /sign-in/callback": Rule(frozenset(), Scope.PUBLIC),  # state, PKCE, token verified
    f"GET {P}": _school(FRONT_LINE),
    f"GET {P}/visits/new": _school(FRONT_LINE),
    f"POST {P}/visits/new": _school(FRONT_LINE),
    f"GET {P}/visits/{{visit_id}}": _school(FRONT_LINE, TRUST_WIDE),
    f"POST {P}/visits/{{visit_id}}/{{step}}": _school(FRONT_LINE),
    f"GET {P}/board": _school(WATCHERS),
    f"GET {P}/board/live": _school(WATCHERS),
    f"POST {P}/escalations/{{escalation_id}}/{{action}}": _school(RESPONDERS),
    f"GET {P}/decisions": _school(SENIOR),
    f"GET {P}/visits/{{visit_id}}/decide": _school(SENIOR),
    f"POST {P}/visits/{{visit_id}}/assessment": _school(SENIOR, R.TRUST_SAFETY_LEAD),
    f"POST {P}/visits/{{visit_id}}/decision": _school(SENIOR),
    f"POST {P}/risk-assessments/{{assessment_id}}/{{action}}": _school(SENIOR, R.TRUST_SAFETY_LEAD),
    f"GET {P}/visits/{{visit_id}}/chronology": _school(WATCHERS),
    **{f"{method} {P}/{kind}/new": _school(FRONT_LINE)
       for method in ("GET", "POST") for kind in ("incidents", "concerns")},
    f"GET {P}/safeguarding": _school(SENIOR),
    **{f"{method} {P}/check-in-pins": _school(FRONT_LINE) for method in ("GET", "POST")},
    **{f"{method} {P}/visits/{{visit_id}}/feedback": _school(FRONT_LINE)
       for method in ("GET", "POST")},
    f"POST {P}/feedback/{{feedback_id}}/debrief": _school(R.DSL, R.DEPUTY_DSL, R.HEADTEACHER),
    **{f"GET {P}/inspection-pack{tail}": _school(DSLS, R.HEADTEACHER, OVERSIGHT)
       for tail in ("", "/download")},
    f"POST {P}/incidents/{{incident_id}}/sharing": _school(SENIOR),
    f"POST {P}/concerns/{{concern_id}}/receipt": _school(DSLS),
    f"GET {P}/policy": _school(FRONT_LINE, TRUST_WIDE),
    **{f"{method} {P}/policy/changes/new": _school(R.DSL, R.TRUST_SAFETY_LEAD)
       for method in ("GET", "POST")},
    f"GET {P}/policy/changes/{{name}}/{{version}}": _school(SENIOR, R.TRUST_SAFETY_LEAD),
    f"POST {P}/policy/changes/{{name}}/{{version}}/adoption": _school(R.DSL, R.HEADTEACHER,
                                                                      R.TRUST_SAFETY_LEAD),
    **{f"{method} {P}/imports{tail}": _school(R.OFFICE, R.HEADTEACHER, R.SLT, R.DSL, R.TRUST_IT)
       for method, tail in (("GET", ""), ("POST", ""), ("POST", "/apply"))},
    "GET /trust": _trust(OVERSIGHT),
    "GET /trust/schools": _trust(R.TRUST_IT),
    "POST /trust/schools": _trust(R.TRUST_IT),
    "GET /trust/schools/{urn}": _trust(R.TRUST_IT),
    "POST /trust/schools/{urn}": _trust(R.TRUST_IT),
    "POST /trust/schools/{urn}/archive": _trust(R.TRUST_IT),
}


def rule_for(method: str, path: str) -> Rule:
    key = f"{method} {path}"
    if key not in POLICY:
        raise LookupError(f"{key} has no entry in the access policy (shared/security/access.py)")
    return POLICY[key]


def routes_of(api: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation the app serves, from its OpenAPI document."""
    return [(method.upper(), path) for path, operations in api.openapi()["paths"].items()
            for method in operations]


READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})
# What may still happen at an archived school: a visit already out is still kept safe.
AFTER_ARCHIVING = frozenset({
    *(f"POST {V}/{step}" for step in ("arrival", "check-ins", "no-one-home", "leaving", "return",
                                      "duress")),
    *(f"POST {S}/escalations/{{escalation_id}}/{step}" for step in (
        "acknowledgement", "no-contact", "resolution")),
})


def _route_key(request: Request) -> str:
    route: Any = request.scope.get("route")
    return f"{request.method} {route.path if isinstance(route, APIRoute) else request.url.path}"


def check_complete(api: FastAPI) -> None:
    missing = [f"{m} {p}" for m, p in routes_of(api) if f"{m} {p}" not in POLICY]
    if missing:
        raise LookupError("routes with no entry in the access policy: " + ", ".join(missing))


async def enforce(request: Request) -> None:
    """The app-wide dependency: every route, before anything else it depends on."""
    route: Any = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    rule = rule_for(request.method, path)
    if rule.scope is Scope.PUBLIC:
        return
    principal = principal_from(request)
    if rule.scope is Scope.SCHOOL:
        reach_school(request, principal, request.path_params["urn"])
    if principal.role not in rule.roles:
        names = ", ".join(sorted(str(role) for role in rule.roles))
        raise HTTPException(403, f"{request.method} {path} needs one of these roles: {names}; "
                                 f"your token's role is {principal.role}")
    if rule.scope is Scope.SCHOOL and not principal.trust_wide:
        on_register(request, principal, request.path_params["urn"])


def on_register(request: Request, principal: Principal, urn: str) -> None:
    """A school role acts at a school only as the school's staff register says."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return
    strict = request.app.state.settings.environment == "production"
    why = runtime.registers.refusal(urn, principal.user_id, principal.role, strict)
    if why:
        raise HTTPException(403, why)


def reach_school(request: Request, principal: Principal, urn: str) -> None:
    """Another trust's school does not exist for this token; another school of the same trust
    is known, but out of a school role's reach."""
    directory = directory_of(request)
    try:
        trust = school_trust(request.app.state.settings, urn, directory)
    except NotFound:
        raise HTTPException(404, f"no school {urn}") from None
    if trust != principal.trust_id:
        raise HTTPException(404, f"no school {urn}")
    if not principal.trust_wide and urn not in principal.schools:
        raise HTTPException(403, f"your token covers school(s) {', '.join(principal.schools)}, "
                                 f"not {urn}")
    school = directory.get(urn) if directory is not None else None
    if school is not None and school.archived and request.method not in READ_ONLY \
            and _route_key(request) not in AFTER_ARCHIVING:
        raise HTTPException(409, f"{school.name} ({urn}) is archived: its records can still be "
                                 "read, but nothing new can be done there")
