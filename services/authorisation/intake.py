"""Turning an assessment as recorded into its score, details, controls and review date."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from services.authorisation.commands import AssessmentIn
from services.authorisation.domain import scoring
from services.authorisation.domain.policy import PolicyPack
from services.authorisation.domain.scoring import Kind
from shared.contracts.errors import Invalid


def assess(body: AssessmentIn, pack: PolicyPack, today: date
           ) -> tuple[int, dict[str, Any], bool, date | None]:
    """Score, details to store, whether high risk has further controls, and the review date."""
    details: dict[str, Any] = {}
    further = False
    derived: int | None = None
    review: date | None = None
    if body.kind == Kind.INITIAL and body.checklist is not None:
        details = {"checklist": body.checklist.model_dump(mode="json")}
        derived = scoring.checklist_score(body.checklist.level_with_controls)
        if body.score is not None and scoring.band_of(body.score) != body.checklist.level_with_controls:
            raise Invalid(f"score {body.score} is {scoring.band_of(body.score)} risk but the "
                          f"checklist says {body.checklist.level_with_controls} with controls")
        further = bool(body.checklist.control_measures)
    elif body.kind == Kind.FULL:
        review = review_date(body.review_date, pack, today)
        if body.hazards:
            hazards = [h.model_dump(mode="json") for h in body.hazards]
            scores = scoring.hazard_scores(hazards)
            details = {"hazards": [{**h, "score": i, "residual_score": r}
                                   for h, (i, r) in zip(hazards, scores, strict=True)]}
            derived = scoring.full_score(hazards)
            high = pack.rules.HighRiskNeedsFurtherControls
            further = scoring.high_risk_controlled(hazards, high.score if high else 10)
    elif body.kind == Kind.DYNAMIC and body.door is not None:
        door = body.door.model_dump(mode="json")
        flags = scoring.door_red_flags(door)
        if flags and body.door.outcome == "proceed":
            raise Invalid("do not go in: " + "; ".join(flags) + " (West Norfolk 2.12, line 163: "
                          "'Never enter a house if there are raised voices or signs of aggression'; "
                          "Ordsall 4, line 121: 'never enter a home without an appropriate adult')")
        details = {"door": {**door, "red_flags": flags}}
        derived = scoring.DOOR_SCORES[body.door.outcome]
    if body.score is not None and derived is not None and body.kind == Kind.FULL \
            and body.score != derived:
        raise Invalid(f"score {body.score} disagrees with the hazards, whose worst residual "
                      f"score is {derived}; leave score out to use the hazards")
    score = body.score if body.score is not None else derived
    assert score is not None  # the body validator insists on one or the other
    return score, details, further, review


def review_date(given: date | None, pack: PolicyPack, today: date) -> date:
    """A full assessment is reviewed annually, or sooner (West Norfolk Appendix 4, line 226)."""
    rule = pack.rules.LaterVisitNeedsCurrentFullAssessment
    months = rule.review_months if rule else 12
    latest = _add_months(today, months)
    if given is None:
        return latest
    if given < today:
        raise Invalid(f"review_date {given} is in the past")
    if given > latest:
        raise Invalid(f"review_date {given} is later than this school's policy allows "
                      f"({months} months: {latest})")
    return given


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
