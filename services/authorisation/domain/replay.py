"""What-if: a recorded decision judged again under another version of its pack. Pure.

Each decision keeps the facts it was judged on (`facts_record`), so replaying it needs nothing
but the stored event and the pack: no other aggregate is read, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.authorisation.domain.household import AssessmentFacts
from services.authorisation.domain.policy import PolicyPack, Rule
from services.authorisation.domain.rules import Broken, Check, Facts, broken_rules, pack_checks

GIVEN = "(given; the words are kept with the visit's household)"


def facts_record(facts: Facts) -> dict[str, Any]:
    """The facts as stored data; free text is reduced to whether it was given."""
    a = facts.assessment
    return {
        "staff_ids": list(facts.staff_ids), "authoriser_id": facts.authoriser_id,
        "authoriser_role": facts.authoriser_role, "visit_date": facts.visit_date.isoformat(),
        "planned_start": facts.planned_start.isoformat(),
        "planned_end": facts.planned_end.isoformat(), "first_visit": facts.first_visit,
        "assessment": None if a is None else {
            "assessment_id": a.assessment_id, "kind": a.kind, "score": a.score, "band": a.band,
            "review_date": a.review_date.isoformat() if a.review_date else None,
            "recorded_at": a.recorded_at.isoformat(),
            "signed_off_roles": list(a.signed_off_roles), "further_controls": a.further_controls},
        "assessment_shortfall": facts.assessment_shortfall, "announced": facts.announced,
        "reason_code": facts.reason_code, "lone_visit_approved": facts.lone_visit_approved,
        "responsible_contact": facts.responsible_contact,
        "out_of_hours_reason": GIVEN if facts.out_of_hours_reason else None,
        "drivers": list(facts.drivers), "doorstep_only": facts.doorstep_only,
        "documents": {staff: {doc: day.isoformat() for doc, day in held.items()}
                      for staff, held in facts.documents.items()},
    }


def facts_of(record: dict[str, Any]) -> Facts:
    a = record.get("assessment")
    return Facts(
        staff_ids=list(record["staff_ids"]), authoriser_id=record["authoriser_id"],
        authoriser_role=record["authoriser_role"],
        visit_date=date.fromisoformat(record["visit_date"]),
        planned_start=datetime.fromisoformat(record["planned_start"]),
        planned_end=datetime.fromisoformat(record["planned_end"]),
        first_visit=bool(record["first_visit"]),
        assessment=AssessmentFacts.of(a) if a else None,
        assessment_shortfall=record.get("assessment_shortfall"),
        announced=bool(record.get("announced", True)), reason_code=record.get("reason_code"),
        lone_visit_approved=bool(record.get("lone_visit_approved")),
        responsible_contact=record.get("responsible_contact"),
        out_of_hours_reason=record.get("out_of_hours_reason"),
        drivers=list(record.get("drivers") or []), doorstep_only=bool(record.get("doorstep_only")),
        documents={staff: {doc: date.fromisoformat(day) for doc, day in held.items()}
                   for staff, held in (record.get("documents") or {}).items()})


@dataclass(frozen=True)
class Recorded:
    """One decision as it was stored: what happened, under which version, on which facts."""

    visit_id: str
    school_urn: str
    decided_at: str
    outcome: str  # authorised, declined, refused
    pack: str
    version: int
    broken: tuple[str, ...]
    facts: dict[str, Any]


@dataclass(frozen=True)
class Difference:
    decision: Recorded
    would_be: str  # "refused" or "allowed"
    newly_broken: list[Broken]
    no_longer_broken: list[str]

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "visit_id": d.visit_id, "school_urn": d.school_urn, "decided_at": d.decided_at,
            "visit_date": d.facts.get("visit_date"), "was": d.outcome,
            "under": f"{d.pack} v{d.version}", "would_be": self.would_be,
            "newly_broken": [b.as_dict() for b in self.newly_broken],
            "no_longer_broken": self.no_longer_broken}


def unchanged_rules(recorded: PolicyPack, draft: PolicyPack) -> frozenset[str]:
    """The draft's rules that would judge a decision exactly as the recorded version did: the
    same rule, with the same parameters, in a pack with the same clock and the same very-high
    line (which the time rules and HighRiskNeedsFurtherControls read)."""
    if recorded.timezone != draft.timezone or (recorded.rules.VeryHighRiskCannotBeAuthorised
                                               != draft.rules.VeryHighRiskCannotBeAuthorised):
        return frozenset()
    return frozenset(name for name in draft.rule_names()
                     if getattr(recorded.rules, name) == getattr(draft.rules, name))


def judge_again(decision: Recorded, draft: PolicyPack,
                checks: list[tuple[str, Check, Rule]] | None = None,
                unchanged: frozenset[str] = frozenset()) -> Difference | None:
    """How the decision would have gone under the draft, if that is different; else None.

    An authorisation the draft would refuse changes; so does a refusal (or a decline on broken
    rules) that the draft would allow or refuse for other rules. A decline with nothing broken
    was a person's judgement, which no pack overturns, unless the draft now breaks rules too.
    """
    if checks is None:
        checks = [c for c in pack_checks(draft) if c[0] not in unchanged]
    now = broken_rules(facts_of(decision.facts), draft, checks) if checks else []
    names = {b.rule for b in now} | {rule for rule in decision.broken if rule in unchanged}
    newly = [b for b in now if b.rule not in decision.broken]
    gone = [rule for rule in decision.broken if rule not in names]
    if decision.outcome == "authorised":
        return Difference(decision, "refused", newly, []) if names else None
    if not newly and not gone:
        return None
    if decision.outcome == "declined" and not decision.broken and not newly:
        return None
    return Difference(decision, "refused" if names else "allowed", newly, gone)
