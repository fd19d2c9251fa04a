"""What-if's judgement, pure: a recorded decision against a draft, judging only what changed
gives what judging every rule gives."""

from __future__ import annotations

from typing import Any

import pytest

from services.authorisation.domain.replay import (
    Recorded,
    facts_of,
    facts_record,
    judge_again,
    unchanged_rules,
)
from services.authorisation.domain.rules import Facts, broken_rules
from services.authorisation.packs import Catalogue
from tests.authorisation.ordsall_change import changed_pack
from tests.authorisation.scenarios import FIRST_VISIT_NO_CHECKLIST, LONE, assessment, at, facts

V1 = Catalogue.load().packs["ordsall-primary"]
V2 = Catalogue.load().check(changed_pack(), "ordsall.yaml")

STORIES: dict[str, dict[str, Any]] = {
    "a pair on a low assessment": {},
    "a lone visit, low full assessment": {**LONE, "lone_visit_approved": False},
    "a lone visit, medium full assessment": {**LONE, "assessment": assessment(score=6)},
    "a pair after hours with no contact": {"planned_start": at("18:00"), "planned_end": at("19:00")},
    "a first visit with no checklist": FIRST_VISIT_NO_CHECKLIST,
}


def recorded(judged: Facts, outcome: str | None = None) -> Recorded:
    broken = tuple(b.rule for b in broken_rules(judged, V1))
    return Recorded("v-1", "100001", "2026-11-01T10:00:00+00:00",
                    outcome or ("refused" if broken else "authorised"), "ordsall-primary", 1,
                    broken, facts_record(judged))


def test_the_facts_of_a_decision_survive_being_stored() -> None:
    for changes in STORIES.values():
        judged = facts(**changes)
        assert broken_rules(facts_of(facts_record(judged)), V1) == broken_rules(judged, V1)


@pytest.mark.parametrize("story", list(STORIES))
def test_judging_only_the_changed_rules_agrees_with_judging_them_all(story: str) -> None:
    decision = recorded(facts(**STORIES[story]))
    unchanged = unchanged_rules(V1, V2)
    assert "AlwaysMinimumStaff" not in unchanged
    assert "LoneVisitNeedsLowRiskFullAssessment" not in unchanged
    assert "OutOfHoursNeedsResponsibleContact" in unchanged
    quick, whole = judge_again(decision, V2, unchanged=unchanged), judge_again(decision, V2)
    assert (quick is None) == (whole is None)
    if quick is not None and whole is not None:
        assert quick.as_dict() == whole.as_dict()


def test_a_lone_visit_refused_for_always_two_would_go_ahead_after_a_low_full_assessment() -> None:
    decision = recorded(facts(**{**LONE, "lone_visit_approved": False}))
    assert decision.broken == ("AlwaysMinimumStaff",)
    changed = judge_again(decision, V2, unchanged=unchanged_rules(V1, V2))
    assert changed is not None
    assert (changed.would_be, changed.no_longer_broken) == ("allowed", ["AlwaysMinimumStaff"])
    medium = recorded(facts(**{**LONE, "assessment": assessment(score=6)}))
    still = judge_again(medium, V2, unchanged=unchanged_rules(V1, V2))
    assert still is not None
    assert still.would_be == "refused"
    assert [b.rule for b in still.newly_broken] == ["LoneVisitNeedsLowRiskFullAssessment"]
    assert still.no_longer_broken == ["AlwaysMinimumStaff"]


def test_a_decline_with_nothing_broken_was_a_judgement_no_draft_overturns() -> None:
    assert judge_again(recorded(facts(), outcome="declined"), V2) is None
    assert judge_again(recorded(facts()), V1) is None  # its own version changes nothing
