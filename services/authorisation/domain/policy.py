"""A policy pack: one school's home-visit policy as named, parameterised, cited rules.

The schema of the data files in packs/. Every rule carries a citation of the policy text it
comes from; a rule set to null in a pack that extends another is switched off.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shared.contracts import Role
from shared.contracts.authorisation import EscalationPlan

HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Document = Literal["licence", "mot", "business_insurance"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Strict):
    """Where in the policy text a rule comes from: file, section, line and the words there."""

    policy: str = Field(min_length=1, description="file name under packs/sources/")
    section: str = Field(min_length=1)
    line: int = Field(ge=1)
    quote: str = Field(min_length=8, description="words found on that line of the policy")

    def cite(self) -> str:
        return f"{self.policy} line {self.line} ({self.section}): '{self.quote}'"


class Rule(Strict):
    citation: Citation


class Roles(Rule):
    roles: list[Role] = Field(min_length=1)


class MinStaff(Rule):
    staff: int = Field(ge=1, le=6)


class FromScore(Rule):
    score: int = Field(ge=1, le=25)


class FullAssessment(Rule):
    review_months: int = Field(12, ge=1, le=36)


class SchoolDay(Rule):
    school_day_start: HHMM
    school_day_end: HHMM
    need_reason: bool = True


class FromTime(Rule):
    after: HHMM


class Documents(Rule):
    documents: list[Document] = Field(min_length=1)


class Reasons(Rule):
    reasons: list[ReasonCode] = Field(min_length=1)


class Minutes(Rule):
    minutes: int = Field(ge=1, le=240)


class Escalation(Rule, EscalationPlan):
    """The ladder timings, with the same fields and bounds as the plan they become."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # a pack's typo is an error, not ignored


class Flag(Rule):
    """A rule with no parameter: present means on."""


class Rules(Strict):
    """Every rule Doorstep knows. Required ones every pack has; the rest are the school's choice."""

    AuthoriserHasAllowedRole: Roles
    AuthoriserNotOnTheVisit: Flag
    VeryHighRiskCannotBeAuthorised: FromScore
    FirstVisitNeedsInitialChecklist: Flag | None = None
    LaterVisitNeedsCurrentFullAssessment: FullAssessment | None = None
    AssessmentSignedOffBySeniorLeader: Roles | None = None
    HighRiskNeedsFurtherControls: FromScore | None = None
    InitialVisitNeedsMinimumStaff: MinStaff | None = None
    AboveLowRiskNeedsMinimumStaff: MinStaff | None = None
    AlwaysMinimumStaff: MinStaff | None = None
    EnteringTheHomeNeedsMinimumStaff: MinStaff | None = None
    LoneVisitNeedsLowRiskFullAssessment: Flag | None = None
    LoneVisitNeedsExplicitDecision: Roles | None = None
    OutOfHoursNeedsResponsibleContact: SchoolDay | None = None
    NoEveningVisits: FromTime | None = None
    DriversDocumentsValidOnTheDay: Documents | None = None
    UnannouncedVisitNeedsStatedReason: Reasons | None = None
    CheckInInterval: Minutes
    NoOneHomeWait: Minutes
    EscalationTimings: Escalation
    PairUpstairs: Flag | None = None
    DynamicAssessmentAtTheDoor: Flag | None = None


class PolicyPack(Strict):
    """One school's policy, ready to apply."""

    name: Slug
    title: str = Field(min_length=1)
    source: str = Field(min_length=1, description="the policy file this pack expresses")
    version: str = Field(min_length=1)
    extends: Slug | None = None
    timezone: str = "Europe/London"
    rules: Rules

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    def rule_names(self) -> list[str]:
        return [name for name in Rules.model_fields if getattr(self.rules, name) is not None]
