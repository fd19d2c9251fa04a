"""Each school's pack, story by story: which named rule a decision breaks, and the policy line."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

import pytest

from services.authorisation.domain.rules import broken_rules, conditions
from tests.authorisation.scenarios import (
    DAY,
    FIRST_VISIT_NO_CHECKLIST,
    LONE,
    STALE_FULL,
    assessment,
    at,
    expired,
    facts,
    pack,
)

WN, ORD, STL = "west-norfolk-academies-trust", "ordsall-primary", "st-laurences"
ROOK, BLUE = "the-rookeries-carleton", "blue-coat-ce-secondary"
OOH = {"planned_start": at("17:30"), "planned_end": at("18:30")}
EVENING = {"planned_start": at("18:30"), "planned_end": at("19:15"),
           "responsible_contact": "head-1", "out_of_hours_reason": "parent works days"}

# (pack, story, changes to a visit that breaks nothing, {broken rule: "policy file:line"})
SCENARIOS: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
    # West Norfolk Academies Trust
    (WN, "allows a lone repeat visit on a low full assessment with a DSL decision", LONE, {}),
    (WN, "refuses a lone visit nobody explicitly agreed", {**LONE, "lone_visit_approved": False},
     {"LoneVisitNeedsExplicitDecision": "west-norfolk-academies-trust.txt:124"}),
    (WN, "refuses a lone visit on a medium-risk assessment",
     {**LONE, "assessment": assessment(score=6)},
     {"AboveLowRiskNeedsMinimumStaff": "west-norfolk-academies-trust.txt:81",
      "LoneVisitNeedsLowRiskFullAssessment": "west-norfolk-academies-trust.txt:124"}),
    (WN, "refuses a first visit without the initial checklist", FIRST_VISIT_NO_CHECKLIST,
     {"FirstVisitNeedsInitialChecklist": "west-norfolk-academies-trust.txt:61"}),
    (WN, "refuses a lone first visit",
     {**LONE, "first_visit": True, "assessment": assessment("initial", 4)},
     {"InitialVisitNeedsMinimumStaff": "west-norfolk-academies-trust.txt:66",
      "LoneVisitNeedsLowRiskFullAssessment": "west-norfolk-academies-trust.txt:124"}),
    (WN, "refuses an assessment not signed off by the senior leadership team",
     {"assessment": assessment(signed=("staff",))},
     {"AssessmentSignedOffBySeniorLeader": "west-norfolk-academies-trust.txt:117"}),
    (WN, "refuses high risk without further controls", {"assessment": assessment(score=12)},
     {"HighRiskNeedsFurtherControls": "west-norfolk-academies-trust.txt:250"}),
    (WN, "allows high risk with further controls recorded",
     {"assessment": assessment(score=12, further=True)}, {}),
    (WN, "refuses a driver whose MOT has run out", expired("mot"),
     {"DriversDocumentsValidOnTheDay": "west-norfolk-academies-trust.txt:65"}),
    (WN, "refuses a later visit whose full assessment is past review", STALE_FULL,
     {"LaterVisitNeedsCurrentFullAssessment": "west-norfolk-academies-trust.txt:61"}),
    (WN, "refuses an authoriser who is on the visit", {"authoriser_id": "s1"},
     {"AuthoriserNotOnTheVisit": "ordsall-primary.txt:96"}),
    # Ordsall Primary
    (ORD, "refuses a lone visit even after a low-risk full assessment and DSL decision", LONE,
     {"AlwaysMinimumStaff": "ordsall-primary.txt:134"}),
    (ORD, "refuses an out-of-hours visit with no responsible contact", OOH,
     {"OutOfHoursNeedsResponsibleContact": "ordsall-primary.txt:98"}),
    (ORD, "allows an out-of-hours visit with a responsible contact and a reason",
     {**OOH, "responsible_contact": "head-1", "out_of_hours_reason": "parent works days"}, {}),
    (ORD, "refuses authorisation by SLT who is not the headteacher or a DSL",
     {"authoriser_role": "slt"}, {"AuthoriserHasAllowedRole": "ordsall-primary.txt:96"}),
    (ORD, "allows the deputy DSL to authorise", {"authoriser_role": "deputy_dsl"}, {}),
    (ORD, "refuses an unannounced visit with no emergency or concern", {"announced": False},
     {"UnannouncedVisitNeedsStatedReason": "ordsall-primary.txt:94"}),
    (ORD, "allows an unannounced safeguarding visit",
     {"announced": False, "reason_code": "safeguarding"}, {}),
    # St Laurence's
    (STL, "allows a lone doorstep visit decided by the DSL", {**LONE, "doorstep_only": True}, {}),
    (STL, "refuses a lone visit that enters the home", LONE,
     {"EnteringTheHomeNeedsMinimumStaff": "st-laurences.txt:88"}),
    (STL, "refuses a lone visit decided by a deputy DSL",
     {**LONE, "doorstep_only": True, "authoriser_role": "deputy_dsl"},
     {"AuthoriserHasAllowedRole": "st-laurences.txt:74",
      "LoneVisitNeedsExplicitDecision": "st-laurences.txt:92"}),
    (STL, "needs only the insurance of a driver", expired("licence"), {}),
    (STL, "refuses a driver without business insurance", expired("business_insurance"),
     {"DriversDocumentsValidOnTheDay": "st-laurences.txt:94"}),
    (STL, "refuses an unannounced visit for no valid reason",
     {"announced": False, "reason_code": "curiosity"},
     {"UnannouncedVisitNeedsStatedReason": "st-laurences.txt:95"}),
    # The Rookeries Carleton
    (ROOK, "allows the headteacher to authorise", {"authoriser_role": "headteacher"}, {}),
    (ROOK, "allows the assistant headteacher (SLT) to authorise", {"authoriser_role": "slt"}, {}),
    (ROOK, "refuses a DSL who is not the head or assistant head", {},
     {"AuthoriserHasAllowedRole": "the-rookeries-carleton.txt:37"}),
    (ROOK, "refuses an unannounced visit with no reason",
     {"announced": False, "authoriser_role": "headteacher"},
     {"UnannouncedVisitNeedsStatedReason": "the-rookeries-carleton.txt:37"}),
    (ROOK, "refuses a first visit with no risk assessment information",
     {**FIRST_VISIT_NO_CHECKLIST, "authoriser_role": "headteacher"},
     {"FirstVisitNeedsInitialChecklist": "the-rookeries-carleton.txt:21"}),
    (ROOK, "refuses a lone first visit under the trust default",
     {**LONE, "first_visit": True, "assessment": assessment("initial", 4),
      "authoriser_role": "headteacher"},
     {"InitialVisitNeedsMinimumStaff": "west-norfolk-academies-trust.txt:66",
      "LoneVisitNeedsLowRiskFullAssessment": "west-norfolk-academies-trust.txt:124"}),
    # Blue Coat CE Secondary
    (BLUE, "refuses an evening visit even with a responsible contact", EVENING,
     {"NoEveningVisits": "blue-coat-ce-secondary.txt:175"}),
    (BLUE, "refuses a lone visit: visits are done in pairs", LONE,
     {"AlwaysMinimumStaff": "blue-coat-ce-secondary.txt:36"}),
    (BLUE, "refuses a driver without business insurance", expired("business_insurance"),
     {"DriversDocumentsValidOnTheDay": "blue-coat-ce-secondary.txt:61"}),
    (BLUE, "refuses a deputy DSL's authorisation", {"authoriser_role": "deputy_dsl"},
     {"AuthoriserHasAllowedRole": "blue-coat-ce-secondary.txt:30"}),
    (BLUE, "allows an unannounced welfare visit", {"announced": False, "reason_code": "welfare"},
     {}),
    (BLUE, "refuses an unannounced visit with no reason", {"announced": False},
     {"UnannouncedVisitNeedsStatedReason": "blue-coat-ce-secondary.txt:32"}),
]
PACKS = ["trust-default", WN, ORD, STL, ROOK, BLUE]
SCENARIOS += [(name, "refuses a very high score (17-25), as everywhere",
               {"assessment": assessment(score=20),
                "authoriser_role": "headteacher" if name in (ORD, ROOK) else "dsl"},
               {"VeryHighRiskCannotBeAuthorised": "west-norfolk-academies-trust.txt:252"})
              for name in PACKS]


@pytest.mark.parametrize(("pack_name", "story", "changes", "expected"), SCENARIOS,
                         ids=[f"{p}: {s}" for p, s, _, _ in SCENARIOS])
def test_each_pack_breaks_exactly_the_named_rules(pack_name: str, story: str,
                                                  changes: dict[str, Any],
                                                  expected: dict[str, str]) -> None:
    policy = pack(pack_name)
    broken = broken_rules(facts(**changes), policy)
    assert {b.rule: f"{b.policy}:{getattr(policy.rules, b.rule).citation.line}"
            for b in broken} == expected
    for b in broken:
        assert b.policy in b.citation
        assert b.message


def test_every_pack_has_at_least_six_scenarios() -> None:
    for name in PACKS[1:]:
        assert sum(1 for p, *_ in SCENARIOS if p == name) >= 6, name


def test_ordsall_conditions_carry_its_timings_and_the_door_assessment() -> None:
    granted = conditions(facts(), pack(ORD))
    assert granted["check_in_interval_minutes"] == 20  # ordsall-primary.txt:132
    assert granted["no_one_home_wait_minutes"] == 20  # ordsall-primary.txt:100
    assert granted["dynamic_assessment_required"] is True  # ordsall-primary.txt:124
    assert (granted["earliest_start"], granted["latest_end"]) == ("08:30", "16:30")  # l.98
    assert granted["min_staff"] == 2  # ordsall-primary.txt:134
    assert granted["escalation"]["level2_after_minutes"] == 5  # ordsall-primary.txt:108


def test_an_authorised_out_of_hours_visit_is_held_to_its_planned_hours() -> None:
    granted = conditions(facts(**OOH, responsible_contact="head-1"), pack(ORD))
    assert (granted["earliest_start"], granted["latest_end"]) == ("17:30", "18:30")
    assert granted["responsible_contact"] == "head-1"


def test_blue_coat_pairs_go_upstairs_together_and_are_home_before_the_evening() -> None:
    granted = conditions(facts(), pack(BLUE))
    assert granted["pair_upstairs"] is True  # blue-coat-ce-secondary.txt:109
    assert granted["min_staff"] == 2
    assert granted["latest_end"] == "17:00"


def test_only_drivers_with_valid_documents_are_cleared() -> None:
    granted = conditions(facts(**expired("mot")), pack(WN))
    assert granted["cleared_drivers"] == ["s2"]
    assert conditions(facts(**expired("mot")), pack(STL))["cleared_drivers"] == ["s1", "s2"]


def test_a_lone_doorstep_visit_at_st_laurences_needs_one_and_stays_on_the_doorstep() -> None:
    granted = conditions(facts(**LONE, doorstep_only=True), pack(STL))
    assert (granted["min_staff"], granted["doorstep_only"], granted["staff_ids"]) == (1, True, ["s1"])


def test_planned_times_without_a_zone_are_the_schools_local_times() -> None:
    from datetime import datetime

    naive = facts(planned_start=datetime(2026, 7, 1, 16, 30), planned_end=datetime(2026, 7, 1, 17, 30))
    assert [b.rule for b in broken_rules(naive, pack(ORD))] == ["OutOfHoursNeedsResponsibleContact"]
    july = date(2026, 7, 1)  # a Wednesday, British Summer Time
    summer_utc = facts(planned_start=at("08:45", july).astimezone(UTC),
                       planned_end=at("09:30", july).astimezone(UTC))
    assert broken_rules(summer_utc, pack(ORD)) == []  # 07:45 UTC is 08:45 BST: in school hours


def test_an_out_of_hours_window_past_midnight_ends_at_midnight() -> None:
    late = facts(planned_start=at("23:00"), planned_end=at("00:30", DAY + timedelta(days=1)),
                 responsible_contact="head-1", out_of_hours_reason="emergency")
    granted = conditions(late, pack(WN))
    assert (granted["earliest_start"], granted["latest_end"]) == ("23:00", "23:59")


def test_the_conditions_carry_the_schools_clock() -> None:
    """Visits reads the visit's day and hours at sign-out on the clock of the school's pack."""
    assert conditions(facts(), pack(WN))["timezone"] == "Europe/London"
    abroad = pack(WN).model_copy(update={"timezone": "Europe/Madrid"})
    assert conditions(facts(), abroad)["timezone"] == "Europe/Madrid"
