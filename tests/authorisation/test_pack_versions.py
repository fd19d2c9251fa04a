"""Policy packs as versioned data: the code's packs are version 1, a DSL's upload is checked
whole against its policy text, a school adopts a version from a date, and every decision keeps
the version it was made under."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import (
    AssessmentIn,
    AssignmentIn,
    DecisionIn,
    SchoolDetailsIn,
)
from services.authorisation.domain import VisitCase
from services.authorisation.policy_reviews import review_state
from services.authorisation.schools import SERVICE_ACTOR
from shared.contracts import Actor, Role
from shared.contracts.errors import RulesBroken
from shared.contracts.visits import Arrived
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.authorisation.conftest import TRUST, URN, Service, visit_requested
from tests.authorisation.ordsall_change import changed_pack, changed_policy_text
from tests.authorisation.test_decisions import follow_up
from tests.authorisation.test_store import settings_for

DSL = Actor(id="dsl-1", role=Role.DSL)
IT = Actor(id="it-1", role=Role.TRUST_IT)
CODE_PACKS = {"trust-default", "west-norfolk-academies-trust", "ordsall-primary", "st-laurences",
              "the-rookeries-carleton", "blue-coat-ce-secondary"}


def lone_visit(app: AuthorisationApp) -> VisitCase:
    """A later, lone visit to a household with a full assessment rated low."""
    household = f"hh-{uuid4().hex[:6]}"
    first = visit_requested(household=household)
    app.record_request(first)
    app.record_arrival(follow_up(first, Arrived))  # the household has been visited before
    requested = visit_requested(household=household, staff=("staff-1",))
    assert requested.visit_id is not None
    app.record_request(requested)
    app.record_assessment(requested.visit_id, URN, AssessmentIn(kind="full", score=3), DSL,
                          uuid4())
    return app.visit(requested.visit_id, URN)


def versions_story(make: Callable[[], AuthorisationApp]) -> None:
    app, replica = make(), make()
    assert set(app.seed_code_packs(SERVICE_ACTOR)) == CODE_PACKS
    assert replica.seed_code_packs(SERVICE_ACTOR) == []  # another replica, or a restart
    assert app.seed_code_packs(SERVICE_ACTOR) == []
    replica.close()
    [v1] = app.pack_versions("ordsall-primary", TRUST)
    assert (v1["version"], v1["status"], v1["review_due"]) == (1, "published", "2026-11-30")
    assert v1["review_line"] == 17

    app.assign_pack(URN, AssignmentIn(pack="ordsall-primary"), IT, TRUST)
    before = lone_visit(app)
    with pytest.raises(RulesBroken):  # Ordsall: always two
        app.decide(before.visit_id, URN, DecisionIn(decision="authorise"), DSL, uuid4())
    app.decide(before.visit_id, URN, DecisionIn(decision="decline"), DSL, uuid4())

    drafted = app.draft_pack("ordsall.yaml", changed_pack(), changed_policy_text(), DSL, TRUST)
    assert (drafted["version"], drafted["status"]) == (2, "drafted")
    assert drafted["review_due"] == "2027-11-30"
    assert app.in_force(URN).version == 1  # a draft changes nothing
    app.publish_version("ordsall-primary", 2, DSL, TRUST)
    assert app.in_force(URN).version == 1  # nor does publishing: the school adopts it
    tomorrow = date.today() + timedelta(days=1)
    app.adopt(URN, "ordsall-primary", 2, tomorrow, DSL, TRUST)
    assert app.in_force(URN).version == 1
    assert app.in_force(URN, tomorrow).version == 2
    app.adopt(URN, "ordsall-primary", 2, date.today(), DSL, TRUST)

    after = lone_visit(app)
    app.decide(after.visit_id, URN, DecisionIn(decision="authorise"), DSL, uuid4())
    app.close()

    again = make()
    old, new = again.visit(before.visit_id, URN), again.visit(after.visit_id, URN)
    assert (old.decision, new.decision) == ("declined", "authorised")
    old_why, new_why = again.explain(old), again.explain(new)
    assert old_why is not None
    assert new_why is not None
    assert (old_why["pack"], old_why["version"]) == ("ordsall-primary", 1)
    assert (new_why["pack"], new_why["version"]) == ("ordsall-primary", 2)
    assert new_why["label"] == "ordsall-primary v2 (2026-12)"
    assert {"rule": "AlwaysMinimumStaff", "broken": True, "citation": (
        "ordsall-primary.txt line 134 (4. Personal safety): 'Home visits will always be carried "
        "out by at least two members of staff'")} in old_why["rules"]
    assert "AlwaysMinimumStaff" not in [r["rule"] for r in new_why["rules"]]
    assert [v["version"] for v in again.pack_versions("ordsall-primary", TRUST)] == [1, 2]
    assert again.pack_versions("ordsall-primary", "another-trust") == \
        [again.pack_versions("ordsall-primary", TRUST)[0]]  # another trust sees only the code's
    reviews_say_what_each_school_says(again)
    again.close()


def reviews_say_what_each_school_says(app: AuthorisationApp) -> None:
    """The trust's reviews, read for all its schools at once, are each school's own status;
    another trust's school and an archived one are not listed."""
    for urn, trust, name in ((URN, TRUST, "Ordsall"), ("100009", TRUST, "Second school"),
                             ("100010", "another-trust", "Elsewhere"), ("100011", TRUST, "Shut")):
        app.onboard(urn, trust, SchoolDetailsIn(name=name, policy_pack="ordsall-primary"), IT)
    app.archive_school("100011", "merged", IT)
    for day in (date.today(), date.today() + timedelta(days=400)):
        reviews = app.policy_reviews(TRUST, day)
        assert [(r["urn"], r["version"]) for r in reviews] == [(URN, 2), ("100009", 1)]
        for review in reviews:
            status = app.policy_status(review["urn"], TRUST, day)
            assert review == {"urn": review["urn"], "name": review["name"], **{
                k: v for k, v in status.items() if k not in ("versions", "adoptions")}}
        assert [r["review_due"] for r in reviews] == ["2027-11-30", "2026-11-30"]
    assert [r["urn"] for r in app.policy_reviews("another-trust")] == ["100010"]


def test_versions_on_sqlite(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    versions_story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                            sealer=sealer_for(settings)))


@pytest.mark.postgres
def test_versions_on_postgresql(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    versions_story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                            sealer=sealer_for(settings)))


def test_a_decision_stored_before_versions_reads_as_version_1_of_its_pack() -> None:
    case = VisitCase(visit_id=uuid4(), request={}, source_event_id="e1", meta={})
    case.authorise(authorised_by="dsl-1", conditions={}, risk_score=4, assessment_id=None,
                   policy_pack="ordsall-primary@2025-11", meta={})  # the old event's fields
    assert case.decided_under == {"pack": "ordsall-primary", "version": 1,
                                  "label": "ordsall-primary@2025-11"}


@pytest.mark.nats
@pytest.mark.parametrize(("pack", "text", "at_fault", "problem"), [
    (changed_pack("words the governors never wrote"), changed_policy_text(),
     "quote: words the governors never wrote",
     "rules.LoneVisitNeedsLowRiskFullAssessment.citation.quote: 'words the governors never "
     "wrote' is not on line 134 of ordsall-primary.txt"),
    (changed_pack().replace("  LoneVisitNeedsLowRiskFullAssessment:",
                            "  LoneVisitsAreFine:"), changed_policy_text(), "LoneVisitsAreFine:",
     "rules.LoneVisitsAreFine: Extra inputs are not permitted"),
    (changed_pack(), (Path(__file__).parents[2] / "services/authorisation/packs/sources/"
                      "ordsall-primary.txt").read_text(), "quote: unless a full risk",
     "is not on line 134 of ordsall-primary.txt, which reads: 'Home visits will always"),
])
def test_a_pack_with_a_broken_quote_or_an_unknown_rule_is_refused_whole_naming_the_line(
        service: Service, pack: str, text: str, at_fault: str, problem: str) -> None:
    refused = service.post(f"/v1/schools/{URN}/policy-packs",
                           {"filename": "ordsall.yaml", "content": pack, "policy_text": text})
    assert refused.status_code == 422, refused.text
    [detail] = refused.json()["details"]
    line = 1 + next(i for i, words in enumerate(pack.splitlines()) if at_fault in words)
    assert detail.startswith(f"ordsall.yaml line {line}: ")  # the line at fault
    assert problem in detail
    versions = service.get("/v1/policy-packs/ordsall-primary/versions").json()
    assert [v["version"] for v in versions] == [1]  # nothing of it was stored


@pytest.mark.nats
def test_a_dsl_uploads_a_pack_and_adopts_it_and_the_trust_lead_publishes_and_retires(
        service: Service) -> None:
    upload = {"filename": "ordsall.yaml", "content": changed_pack(),
              "policy_text": changed_policy_text()}
    assert service.post("/v1/policy-packs", upload).status_code == 403  # a DSL: for the school
    assert service.post(f"/v1/schools/{URN}/policy-packs", upload, role="staff",
                        user="staff-1").status_code == 403
    drafted = service.post(f"/v1/schools/{URN}/policy-packs", upload)
    assert drafted.status_code == 201, drafted.text
    assert drafted.json()["version"] == 2
    assert service.put(f"/v1/schools/{URN}/policy", {"pack": "ordsall-primary"}
                       ).status_code == 200
    adopted = service.post(f"/v1/schools/{URN}/policy/adoption",
                           {"pack": "ordsall-primary", "version": 2})
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["label"] == "ordsall-primary v2 (2026-12)"
    assert service.get("/v1/policy-packs/ordsall-primary/versions/2").json()["status"] == \
        "published"

    third = service.post("/v1/policy-packs", upload, role="trust_safety_lead", user="tsl-1")
    assert third.status_code == 201
    lead = {"role": "trust_safety_lead", "user": "tsl-1"}
    retired = service.post("/v1/policy-packs/ordsall-primary/versions/3/retirement", {}, **lead)
    assert retired.json()["status"] == "retired"
    refused = service.post(f"/v1/schools/{URN}/policy/adoption",
                           {"pack": "ordsall-primary", "version": 3})
    assert refused.status_code == 409
    assert "retired" in refused.text
    assert service.post("/v1/policy-packs/ordsall-primary/versions/1/retirement", {},
                        **lead).status_code == 409
    assert service.get("/v1/policy-packs/ordsall-primary/versions/9").status_code == 404


def test_a_review_falls_due_a_month_ahead_and_is_overdue_once_its_date_has_passed() -> None:
    due = date(2026, 11, 30)  # Ordsall: "Next review: November 2026"
    assert review_state(due, date(2026, 10, 29)) == "current"
    assert review_state(due, date(2026, 10, 30)) == "due"
    assert review_state(due, date(2026, 11, 30)) == "due"
    assert review_state(due, date(2026, 12, 1)) == "overdue"
    assert review_state(None, date(2026, 12, 1)) == "unknown"


@pytest.mark.nats
def test_the_trust_sees_when_each_schools_policy_is_due_and_the_overdue_flagged(
        service: Service) -> None:
    for urn, name, pack in ((URN, "The Rookeries", "the-rookeries-carleton"),
                            ("100002", "Blue Coat", "blue-coat-ce-secondary")):
        onboarded = service.post("/v1/schools", {"urn": urn, "name": name, "policy_pack": pack},
                                 role="trust_it", user="it-1")
        assert onboarded.status_code == 201, onboarded.text
    lead = {"role": "trust_safety_lead", "user": "tsl-1"}
    reviews = {r["name"]: r for r in service.get("/v1/policy-reviews", **lead).json()}
    rookeries, blue_coat = reviews["The Rookeries"], reviews["Blue Coat"]
    assert (rookeries["review_due"], rookeries["review"]) == ("2020-10-31", "overdue")
    assert rookeries["label"] == "the-rookeries-carleton v1 (2019-10)"
    assert rookeries["review_line"] == 9  # "Next Review Date: October 2020"
    assert blue_coat["review_due"] == "2027-01-31"
    assert service.get("/v1/policy-reviews", role="dsl").status_code == 403
    school = service.get(f"/v1/schools/{URN}/policy").json()["in_force"]
    assert (school["review"], school["version"]) == ("overdue", 1)
