"""Stories of decisions through the running service on a real nats-server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from shared.contracts import Actor, Role
from shared.contracts.authorisation import RiskAssessed, VisitAuthorised, VisitDeclined
from shared.contracts.records import IncidentReported
from shared.contracts.visits import Arrived, VisitRequested
from shared.testing.polling import until
from shared.testing.sealing import sealed
from tests.authorisation.conftest import URN, Bus, Service, next_weekday, visit_requested

pytestmark = pytest.mark.nats

CHECKLIST: dict[str, Any] = {
    "violent_offences": False, "drugs_or_alcohol": False, "other_agency_risks": False,
    "pets": True, "pets_threatening": False, "intimidating_visitors": False,
    "property_hazards": False, "contact_outside_home_advised": False,
    "confident_safety_measures_in_place": True, "level_without_controls": "low",
    "level_with_controls": "low"}
HAZARDS: list[dict[str, Any]] = [
    {"hazard": "dog in the house", "who_affected": "staff, bitten", "likelihood": 2,
     "consequence": 3, "controls": "ask for the dog to be shut away", "residual_likelihood": 1,
     "residual_consequence": 3},
    {"hazard": "steep steps", "who_affected": "staff, fall", "likelihood": 1, "consequence": 2}]


async def requested(service: Service, bus: Bus, **kwargs: Any) -> tuple[VisitRequested, str]:
    event = visit_requested(**kwargs)
    await bus.publish(event)
    await service.known(event.visit_id)  # type: ignore[arg-type]
    return event, f"/v1/schools/{URN}/visits/{event.visit_id}"


async def requirement_when(service: Service, base: str, ready: Callable[[Any], bool]
                           ) -> Any:
    """The visit's assessment requirement, once an event just published has been handled."""
    return await until(lambda: service.get(f"{base}/authorisation").json()["requirement"],
                       "the requirement the event makes", ready=ready)


def follow_up(cause: VisitRequested, event_class: type[Any], **fields: Any) -> Any:
    return event_class(event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=cause.trust_id,
                school_urn=cause.school_urn, visit_id=cause.visit_id,
                actor=Actor(id="staff-1", role=Role.STAFF), correlation_id=cause.correlation_id,
                **fields)


async def test_a_refusal_names_every_broken_rule_and_a_decline_carries_them_on_the_wire(
        service: Service, bus: Bus) -> None:
    assigned = service.put(f"/v1/schools/{URN}/policy", {"pack": "ordsall-primary"})
    assert assigned.status_code == 200, assigned.text
    _visit, base = await requested(service, bus, staff=("staff-1",), start="18:30", end="19:30",
                                  announced=False)
    assert service.post(f"{base}/risk-assessments",
                        {"kind": "initial", "checklist": CHECKLIST}).status_code == 201

    refused = service.post(f"{base}/decision", {"decision": "authorise"}, role="slt", user="slt-1")
    assert refused.status_code == 409
    named = [line.split(":")[0] for line in refused.json()["details"]]
    assert named == ["AuthoriserHasAllowedRole", "InitialVisitNeedsMinimumStaff",
                     "AlwaysMinimumStaff", "OutOfHoursNeedsResponsibleContact",
                     "UnannouncedVisitNeedsStatedReason"]
    assert "ordsall-primary.txt line 134" in refused.text

    declined = service.post(f"{base}/decision", {"decision": "decline", "reason": "go in pairs"},
                            role="headteacher", user="head-1")
    assert declined.status_code == 200, declined.text
    [(subject, event)] = await bus.wait_for("VisitDeclined")
    assert isinstance(event, VisitDeclined)
    assert subject.endswith(f".{URN}.authorisation.VisitDeclined")
    assert [r.rule for r in event.broken_rules] == named[1:]
    assert event.policy_pack == "ordsall-primary v1 (2025-11)"
    cited = {r.rule: r.policy for r in event.broken_rules}
    assert cited["AlwaysMinimumStaff"] == cited["OutOfHoursNeedsResponsibleContact"] \
        == "ordsall-primary.txt"
    assert cited["InitialVisitNeedsMinimumStaff"] == "west-norfolk-academies-trust.txt"  # default
    assert await bus.events("VisitAuthorised") == []


async def test_the_households_history_decides_the_assessment_and_incidents_overtake_it(
        service: Service, bus: Bus) -> None:
    first, base = await requested(service, bus, household="hh-story")
    view = service.get(f"{base}/authorisation").json()
    assert view["requirement"] == {"assessment": "initial", "first_visit": True,
                                   "governing_assessment": None,
                                   "shortfall": view["requirement"]["shortfall"]}
    assert "initial risk assessment checklist" in view["requirement"]["shortfall"]
    assert service.post(f"{base}/risk-assessments",
                        {"kind": "initial", "checklist": CHECKLIST}).status_code == 201
    authorised = service.post(f"{base}/decision", {"decision": "authorise"})
    assert authorised.status_code == 200, authorised.text
    [(_, event)] = await bus.wait_for("VisitAuthorised")
    assert isinstance(event, VisitAuthorised)
    c = event.conditions
    assert (c.min_staff, c.staff_ids, c.visit_date) == (2, ["staff-1", "staff-2"],
                                                        first.planned_date)
    assert (c.earliest_start, c.latest_end, c.check_in_interval_minutes) == ("08:00", "17:00", 30)
    assert (c.no_one_home_wait_minutes, c.escalation.level2_after_minutes) == (20, 10)
    assert event.policy_pack == "trust-default v1 (2026.1)"
    assert event.risk_score == 4

    await bus.publish(follow_up(first, Arrived))  # the first visit was made
    second, base2 = await requested(service, bus, household="hh-story",
                                    day=next_weekday(first.planned_date))
    need = await requirement_when(service, base2, lambda n: n["assessment"] == "full")
    assert need["assessment"] == "full"
    assert not need["first_visit"]
    assert "no full risk assessment" in need["shortfall"]
    refused = service.post(f"{base2}/decision", {"decision": "authorise"})
    assert refused.status_code == 409
    assert "LaterVisitNeedsCurrentFullAssessment" in refused.text

    full = service.post(f"{base2}/risk-assessments", {"kind": "full", "hazards": HAZARDS})
    assert full.status_code == 201, full.text
    assert (full.json()["score"], full.json()["band"]) == (3, "low")
    assert [h["score"] for h in full.json()["details"]["hazards"]] == [6, 2]
    [_, (_, risk)] = await bus.wait_for("RiskAssessed", count=2)
    assert isinstance(risk, RiskAssessed)
    assert (risk.kind, risk.score, risk.band, risk.visit_id) == ("full", 3, "low", second.visit_id)
    assert risk.review_date is not None
    assert risk.review_date > first.planned_date

    await bus.publish(follow_up(second, IncidentReported, incident_id="inc-1", kind="aggression",
                                description=sealed("shouting at the door"), reported_by="staff-1"))
    need = await requirement_when(service, base2, lambda n: n["shortfall"] is not None)
    assert "incident" in need["shortfall"]
    stale = service.post(f"{base2}/decision", {"decision": "authorise"})
    assert stale.status_code == 409
    assert "LaterVisitNeedsCurrentFullAssessment" in stale.text

    aid = full.json()["assessment_id"]
    reviewed = service.post(f"/v1/schools/{URN}/risk-assessments/{aid}/review",
                            {"note": "dog now kept outside"}, role="slt", user="slt-1")
    assert reviewed.status_code == 200, reviewed.text
    assert service.get(f"{base2}/authorisation").json()["requirement"]["shortfall"] is None
    assert service.post(f"{base2}/decision", {"decision": "authorise"}).status_code == 200


async def test_drivers_are_cleared_from_the_staff_register(service: Service, bus: Bus) -> None:
    soon, later = next_weekday() + timedelta(days=1), next_weekday() + timedelta(days=400)
    valid = {"licence": str(later), "mot": str(later), "business_insurance": str(later)}
    # a school that keeps a register: the deciding DSL must be on it too
    assert service.put(f"/v1/schools/{URN}/staff/dsl-1", {"roles": ["dsl"]}).status_code == 200
    assert service.put(f"/v1/schools/{URN}/staff/staff-1",
                       {"roles": ["staff"], "documents": valid}).status_code == 200
    lapsed = {**valid, "mot": str(soon - timedelta(days=30))}
    register = service.put(f"/v1/schools/{URN}/staff/staff-2",
                           {"roles": ["staff"], "documents": lapsed})
    assert [m["staff_id"] for m in register.json()] == ["dsl-1", "staff-1", "staff-2"]
    _, base = await requested(service, bus)
    service.post(f"{base}/risk-assessments", {"kind": "initial", "checklist": CHECKLIST})

    refused = service.post(f"{base}/decision", {"decision": "authorise", "drivers": ["staff-2"]})
    assert refused.status_code == 409
    assert "DriversDocumentsValidOnTheDay" in refused.text
    assert "mot expired" in refused.text
    granted = service.post(f"{base}/decision", {"decision": "authorise", "drivers": ["staff-1"]})
    assert granted.status_code == 200, granted.text
    assert granted.json()["conditions"]["cleared_drivers"] == ["staff-1"]


async def test_an_authoriser_on_the_visit_cannot_authorise_it(service: Service, bus: Bus) -> None:
    _, base = await requested(service, bus, staff=("dsl-1", "staff-2"))
    service.post(f"{base}/risk-assessments", {"kind": "initial", "score": 3})
    refused = service.post(f"{base}/decision", {"decision": "authorise"})
    assert refused.status_code == 409
    assert "AuthoriserNotOnTheVisit" in refused.text


async def test_west_norfolk_needs_the_senior_leader_sign_off(service: Service, bus: Bus) -> None:
    service.put(f"/v1/schools/{URN}/policy", {"pack": "west-norfolk-academies-trust"})
    _, base = await requested(service, bus)
    recorded = service.post(f"{base}/risk-assessments",
                            {"kind": "initial", "checklist": CHECKLIST}, role="staff",
                            user="staff-1")
    refused = service.post(f"{base}/decision", {"decision": "authorise"})
    assert refused.status_code == 409
    assert "AssessmentSignedOffBySeniorLeader" in refused.text
    aid = recorded.json()["assessment_id"]
    signed = service.post(f"/v1/schools/{URN}/risk-assessments/{aid}/sign-off", {},
                          role="slt", user="slt-1")
    assert signed.status_code == 200, signed.text
    assert service.post(f"{base}/decision", {"decision": "authorise"}).status_code == 200


async def test_the_door_assessment_is_the_visiting_staffs_and_heeds_red_flags(
        service: Service, bus: Bus) -> None:
    _, base = await requested(service, bus)
    door = {"raised_voices_or_aggression": True, "under_influence": False,
            "appropriate_adult_present": True, "outcome": "proceed"}
    by_dsl = service.post(f"{base}/risk-assessments", {"kind": "dynamic", "door": door})
    assert by_dsl.status_code == 403
    going_in = service.post(f"{base}/risk-assessments", {"kind": "dynamic", "door": door},
                            role="staff", user="staff-1")
    assert going_in.status_code == 422
    assert "raised voices" in going_in.json()["detail"]
    withdrawn = service.post(f"{base}/risk-assessments",
                             {"kind": "dynamic", "door": {**door, "outcome": "withdraw"}},
                             role="staff", user="staff-1")
    assert withdrawn.status_code == 201
    assert (withdrawn.json()["band"], withdrawn.json()["kind"]) == ("very_high", "dynamic")


async def test_only_those_the_pack_lets_authorise_may_decline(service: Service, bus: Bus) -> None:
    """Ordsall names the headteacher and DSL: an SLT member may neither authorise nor decline."""
    service.put(f"/v1/schools/{URN}/policy", {"pack": "ordsall-primary"})
    _, base = await requested(service, bus)
    declined = service.post(f"{base}/decision", {"decision": "decline", "reason": "not today"},
                            role="slt", user="slt-1")
    assert declined.status_code == 403, declined.text
    assert "AuthoriserHasAllowedRole" in declined.text
    assert await bus.events("VisitDeclined") == []
