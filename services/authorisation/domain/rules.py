"""The rule engine: every named rule of a school's pack a decision would break, and the conditions
an authorisation carries. Pure: facts in, findings out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from services.authorisation.domain.household import AssessmentFacts
from services.authorisation.domain.policy import (
    Documents,
    Flag,
    FromScore,
    FromTime,
    MinStaff,
    PolicyPack,
    Reasons,
    Roles,
    Rule,
    SchoolDay,
)


@dataclass(frozen=True)
class Broken:
    rule: str
    message: str
    policy: str
    citation: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "policy": self.policy,
                "citation": self.citation}


@dataclass(frozen=True)
class Facts:
    """Everything a decision is judged on."""

    staff_ids: list[str]
    authoriser_id: str
    authoriser_role: str
    visit_date: date
    planned_start: datetime
    planned_end: datetime
    first_visit: bool
    assessment: AssessmentFacts | None
    assessment_shortfall: str | None = None
    announced: bool = True
    reason_code: str | None = None
    lone_visit_approved: bool = False
    responsible_contact: str | None = None
    out_of_hours_reason: str | None = None
    drivers: list[str] = field(default_factory=list)
    doorstep_only: bool = False
    documents: dict[str, dict[str, date]] = field(default_factory=dict)

    @property
    def lone(self) -> bool:
        return len(set(self.staff_ids)) < 2

    @property
    def score(self) -> int | None:
        return self.assessment.score if self.assessment else None


Check = Callable[[Any, Facts, PolicyPack], str | None]


def _role(rule: Roles, facts: Facts, _: PolicyPack) -> str | None:
    allowed = {str(r) for r in rule.roles}
    if facts.authoriser_role not in allowed:
        return (f"a {facts.authoriser_role} may not authorise visits here; "
                f"this school's policy names: {', '.join(sorted(allowed))}")
    return None


def _not_on_visit(_: Flag, facts: Facts, __: PolicyPack) -> str | None:
    if facts.authoriser_id in facts.staff_ids:
        return f"{facts.authoriser_id} is one of the visiting staff and cannot authorise the visit"
    return None


def _very_high(rule: FromScore, facts: Facts, _: PolicyPack) -> str | None:
    if facts.score is not None and facts.score >= rule.score:
        return f"the risk score is {facts.score} (very high, {rule.score}-25): do not visit"
    return None


def _first_visit(_: Flag, facts: Facts, __: PolicyPack) -> str | None:
    return facts.assessment_shortfall if facts.first_visit else None


def _later_visit(_: Rule, facts: Facts, __: PolicyPack) -> str | None:
    return None if facts.first_visit else facts.assessment_shortfall


def _signed_off(rule: Roles, facts: Facts, _: PolicyPack) -> str | None:
    a = facts.assessment
    if a is None or a.kind == "dynamic":
        return None
    allowed = {str(r) for r in rule.roles}
    if not allowed & set(a.signed_off_roles):
        return (f"the {a.kind} risk assessment {a.assessment_id} is not signed off by "
                f"{' or '.join(sorted(allowed))}")
    return None


def _high(rule: FromScore, facts: Facts, pack: PolicyPack) -> str | None:
    a = facts.assessment
    if a is None or a.score < rule.score or a.score >= pack.rules.VeryHighRiskCannotBeAuthorised.score:
        return None
    if not a.further_controls:
        return (f"the risk score is {a.score} (high): record further control measures "
                "(further action, by whom, by when) on the assessment first")
    return None


def required_staff(facts: Facts, pack: PolicyPack) -> dict[str, int]:
    """Each minimum-staff rule that applies to this visit, with its number."""
    r = pack.rules
    low = facts.assessment is not None and facts.assessment.band == "low"
    applies: list[tuple[str, MinStaff | None, bool]] = [
        ("InitialVisitNeedsMinimumStaff", r.InitialVisitNeedsMinimumStaff, facts.first_visit),
        ("AboveLowRiskNeedsMinimumStaff", r.AboveLowRiskNeedsMinimumStaff, not low),
        ("AlwaysMinimumStaff", r.AlwaysMinimumStaff, True),
        ("EnteringTheHomeNeedsMinimumStaff", r.EnteringTheHomeNeedsMinimumStaff,
         not facts.doorstep_only),
    ]
    return {name: rule.staff for name, rule, when in applies if rule is not None and when}


def _min_staff(name: str) -> Check:
    def check(rule: MinStaff, facts: Facts, pack: PolicyPack) -> str | None:
        if name not in required_staff(facts, pack) or len(set(facts.staff_ids)) >= rule.staff:
            return None
        why = {"InitialVisitNeedsMinimumStaff": "a first visit to this household",
               "AboveLowRiskNeedsMinimumStaff": "a visit not rated low risk",
               "AlwaysMinimumStaff": "every visit at this school",
               "EnteringTheHomeNeedsMinimumStaff": "a visit that enters the home"}[name]
        return f"{why} needs at least {rule.staff} staff; {len(set(facts.staff_ids))} requested"
    return check


def _lone_low_full(_: Flag, facts: Facts, __: PolicyPack) -> str | None:
    a = facts.assessment
    if not facts.lone or (a is not None and a.kind == "full" and a.band == "low"
                          and facts.assessment_shortfall is None):
        return None
    return "a lone visit needs a current full risk assessment rated low"


def _lone_decision(rule: Roles, facts: Facts, _: PolicyPack) -> str | None:
    if not facts.lone:
        return None
    allowed = {str(r) for r in rule.roles}
    if not facts.lone_visit_approved or facts.authoriser_role not in allowed:
        return (f"a lone visit needs an explicit decision (lone_visit_approved) by "
                f"{' or '.join(sorted(allowed))}")
    return None


def local_times(facts: Facts, pack: PolicyPack) -> tuple[datetime, datetime]:
    """Planned times on the school's clock; a time given without a zone is already local."""
    zone = ZoneInfo(pack.timezone)

    def local(moment: datetime) -> datetime:
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)

    return local(facts.planned_start), local(facts.planned_end)


def in_school_hours(rule: SchoolDay, facts: Facts, pack: PolicyPack) -> bool:
    start, end = local_times(facts, pack)
    return (start.date() == end.date() and start.weekday() < 5
            and start.time() >= time.fromisoformat(rule.school_day_start)
            and end.time() <= time.fromisoformat(rule.school_day_end))


def _out_of_hours(rule: SchoolDay, facts: Facts, pack: PolicyPack) -> str | None:
    if in_school_hours(rule, facts, pack):
        return None
    missing = [] if facts.responsible_contact else ["a responsible contact"]
    if rule.need_reason and not facts.out_of_hours_reason:
        missing.append("the reason it cannot be in school hours (out_of_hours_reason)")
    if missing:
        return (f"the visit is outside school hours ({rule.school_day_start}-"
                f"{rule.school_day_end}, weekdays) and needs {' and '.join(missing)}")
    return None


def _evening(rule: FromTime, facts: Facts, pack: PolicyPack) -> str | None:
    start, end = local_times(facts, pack)
    limit = time.fromisoformat(rule.after)
    if end.time() > limit or start.time() >= limit or end.date() > start.date():
        return f"no evening visits: the visit must be over by {rule.after} (ends {end:%H:%M})"
    return None


def cleared(rule: Documents | None, facts: Facts, staff_id: str) -> str | None:
    """None if `staff_id` may drive on the day; else what is missing or expired."""
    if rule is None:
        return None
    held = facts.documents.get(staff_id, {})
    gaps = [f"{doc} {'expired ' + held[doc].isoformat() if doc in held else 'not on record'}"
            for doc in rule.documents if doc not in held or held[doc] < facts.visit_date]
    return ", ".join(gaps) or None


def _drivers(rule: Documents, facts: Facts, _: PolicyPack) -> str | None:
    problems = [f"{d}: {gap}" for d in facts.drivers if (gap := cleared(rule, facts, d))]
    problems += [f"{d} is not one of the visiting staff" for d in facts.drivers
                 if d not in facts.staff_ids]
    if problems:
        return (f"drivers' documents must be valid on {facts.visit_date.isoformat()}: "
                + "; ".join(problems))
    return None


def _unannounced(rule: Reasons, facts: Facts, _: PolicyPack) -> str | None:
    if facts.announced or facts.reason_code in rule.reasons:
        return None
    return (f"an unannounced visit needs a stated reason ({', '.join(rule.reasons)}); "
            f"given: {facts.reason_code or 'none'}")


CHECKS: dict[str, Check] = {
    "AuthoriserHasAllowedRole": _role,
    "AuthoriserNotOnTheVisit": _not_on_visit,
    "VeryHighRiskCannotBeAuthorised": _very_high,
    "FirstVisitNeedsInitialChecklist": _first_visit,
    "LaterVisitNeedsCurrentFullAssessment": _later_visit,
    "AssessmentSignedOffBySeniorLeader": _signed_off,
    "HighRiskNeedsFurtherControls": _high,
    "InitialVisitNeedsMinimumStaff": _min_staff("InitialVisitNeedsMinimumStaff"),
    "AboveLowRiskNeedsMinimumStaff": _min_staff("AboveLowRiskNeedsMinimumStaff"),
    "AlwaysMinimumStaff": _min_staff("AlwaysMinimumStaff"),
    "EnteringTheHomeNeedsMinimumStaff": _min_staff("EnteringTheHomeNeedsMinimumStaff"),
    "LoneVisitNeedsLowRiskFullAssessment": _lone_low_full,
    "LoneVisitNeedsExplicitDecision": _lone_decision,
    "OutOfHoursNeedsResponsibleContact": _out_of_hours,
    "NoEveningVisits": _evening,
    "DriversDocumentsValidOnTheDay": _drivers,
    "UnannouncedVisitNeedsStatedReason": _unannounced,
}


def pack_checks(pack: PolicyPack) -> list[tuple[str, Check, Rule]]:
    """The pack's rules that judge a decision, in the pack's order, each with its check."""
    return [(name, CHECKS[name], getattr(pack.rules, name)) for name in pack.rule_names()
            if name in CHECKS]


def broken_rules(facts: Facts, pack: PolicyPack,
                 checks: list[tuple[str, Check, Rule]] | None = None) -> list[Broken]:
    """Every rule of the pack this decision would break, in the pack's order, each cited
    (`checks`: the pack's, already found, when many decisions are judged under one pack)."""
    found = []
    for name, check, rule in pack_checks(pack) if checks is None else checks:
        message = check(rule, facts, pack)
        if message:
            found.append(Broken(name, message, rule.citation.policy, rule.citation.cite()))
    return found


def conditions(facts: Facts, pack: PolicyPack) -> dict[str, Any]:
    """What the visits service enforces at sign-out, as the VisitConditions fields."""
    r = pack.rules
    earliest = latest = None
    if r.OutOfHoursNeedsResponsibleContact is not None:
        day = r.OutOfHoursNeedsResponsibleContact
        if in_school_hours(day, facts, pack):
            earliest, latest = day.school_day_start, day.school_day_end
        else:
            start, end = local_times(facts, pack)
            # a window is within one day: a visit past midnight must be back by 23:59
            earliest = f"{start:%H:%M}"
            latest = f"{end:%H:%M}" if end.date() == start.date() else "23:59"
    if r.NoEveningVisits is not None:
        latest = min(latest or r.NoEveningVisits.after, r.NoEveningVisits.after)
    staff = sorted(set(facts.staff_ids), key=facts.staff_ids.index)
    need = max(required_staff(facts, pack).values(), default=1)
    return {
        "min_staff": need,
        "staff_ids": staff,
        "visit_date": facts.visit_date.isoformat(),
        "timezone": pack.timezone,
        "earliest_start": earliest,
        "latest_end": latest,
        "drivers_need_valid_documents": r.DriversDocumentsValidOnTheDay is not None,
        "cleared_drivers": [s for s in staff
                            if cleared(r.DriversDocumentsValidOnTheDay, facts, s) is None],
        "doorstep_only": facts.doorstep_only,
        "pair_upstairs": r.PairUpstairs is not None,
        "check_in_interval_minutes": r.CheckInInterval.minutes,
        "no_one_home_wait_minutes": r.NoOneHomeWait.minutes,
        "responsible_contact": facts.responsible_contact,
        "dynamic_assessment_required": r.DynamicAssessmentAtTheDoor is not None,
        "escalation": r.EscalationTimings.model_dump(exclude={"citation"}),
    }
