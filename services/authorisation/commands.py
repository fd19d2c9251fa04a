"""The commands of the authorisation service, as the HTTP API receives them: bad input is refused
at the edge with a 422 that says why, before any use case runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.authorisation.domain.scoring import Kind
from shared.contracts.base import Distinct, SchoolUrn, StaffId
from shared.contracts.visits import Phone

Level = Literal["low", "medium", "high"]
# A name, job title or relationship: one line of up to 100 characters, no control characters.
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
Score = Field(ge=1, le=5)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChecklistIn(Body):
    """The initial risk assessment checklist (West Norfolk, Appendix 2)."""

    violent_offences: bool
    drugs_or_alcohol: bool
    other_agency_risks: bool
    pets: bool
    pets_threatening: bool = False
    intimidating_visitors: bool
    property_hazards: bool
    contact_outside_home_advised: bool
    confident_safety_measures_in_place: bool
    areas_of_concern: str | None = Field(None, max_length=4000)
    level_without_controls: Level
    control_measures: str | None = Field(None, max_length=4000)
    level_with_controls: Level

    @model_validator(mode="after")
    def _concerns_explained(self) -> ChecklistIn:
        concerns = [self.violent_offences, self.drugs_or_alcohol, self.other_agency_risks,
                    self.pets_threatening, self.intimidating_visitors, self.property_hazards,
                    self.contact_outside_home_advised, not self.confident_safety_measures_in_place]
        if any(concerns) and not self.areas_of_concern:
            raise ValueError("a concern was answered: describe it in areas_of_concern")
        return self


class HazardIn(Body):
    """One row of the full risk assessment (West Norfolk, Appendix 4)."""

    hazard: str = Field(min_length=1, max_length=500)
    who_affected: str = Field(min_length=1, max_length=500)
    likelihood: int = Score
    consequence: int = Score
    controls: str = Field("", max_length=2000)
    further_action: str | None = Field(None, max_length=2000)
    by_whom: StaffId | None = None
    by_when: date | None = None
    residual_likelihood: int | None = Field(None, ge=1, le=5)
    residual_consequence: int | None = Field(None, ge=1, le=5)

    @model_validator(mode="after")
    def _further_action_owned(self) -> HazardIn:
        if self.further_action and not (self.by_whom and self.by_when):
            raise ValueError("further action needs by_whom and by_when")
        if (self.residual_likelihood is None) != (self.residual_consequence is None):
            raise ValueError("give both residual_likelihood and residual_consequence, or neither")
        return self


class DoorIn(Body):
    """The dynamic assessment at the door (Ordsall section 4, St Laurence's, West Norfolk 2.12)."""

    raised_voices_or_aggression: bool
    under_influence: bool
    inappropriately_dressed: bool = False
    appropriate_adult_present: bool
    child_alone: bool = False
    animals_secured: bool = True
    outcome: Literal["proceed", "doorstep_only", "withdraw"]
    note: str | None = Field(None, max_length=2000)


class AssessmentIn(Body):
    """A risk assessment for the visit's household: details, or at least a score."""

    kind: Kind = Kind.INITIAL
    score: int | None = Field(None, ge=1, le=25, description="1-25; derived from details if absent")
    review_date: date | None = None
    checklist: ChecklistIn | None = None
    hazards: list[HazardIn] = Field(default_factory=list, max_length=50)
    door: DoorIn | None = None

    @model_validator(mode="after")
    def _details_fit_kind(self) -> AssessmentIn:
        details = {"checklist": self.checklist is not None, "hazards": bool(self.hazards),
                   "door": self.door is not None}
        wanted = {Kind.INITIAL: "checklist", Kind.FULL: "hazards", Kind.DYNAMIC: "door"}[self.kind]
        wrong = [name for name, given in details.items() if given and name != wanted]
        if wrong:
            raise ValueError(f"a {self.kind} assessment takes {wanted}, not {', '.join(wrong)}")
        if self.score is None and not details[wanted]:
            raise ValueError(f"give a score (1-25) or the {wanted} of the {self.kind} assessment")
        return self


class SignOffIn(Body):
    note: str | None = Field(None, max_length=2000)


class ReviewIn(Body):
    """A review of a full assessment (Appendix 4: annually, after an incident, after a change)."""

    review_date: date | None = Field(None, description="next review; default per the policy")
    note: str | None = Field(None, max_length=2000)


class DecisionIn(Body):
    """Authorise or decline the visit."""

    decision: Literal["authorise", "decline"]
    reason: str | None = Field(None, max_length=2000)
    staff_ids: Annotated[list[StaffId], Distinct] | None = Field(
        None, min_length=1, description="the staff this decision covers; default: as requested")
    lone_visit_approved: bool = Field(False, description="explicit approval of a lone visit")
    responsible_contact: StaffId | None = Field(None, description="named for out-of-hours visits")
    out_of_hours_reason: str | None = Field(None, max_length=2000)
    drivers: Annotated[list[StaffId], Distinct] = Field(default_factory=list,
                                                         description="staff who will drive")
    doorstep_only: bool = False


class DocumentsIn(Body):
    """Expiry dates of a driver's documents; absent means not on record."""

    licence: date | None = None
    mot: date | None = None
    business_insurance: date | None = None


SchoolRole = Literal["staff", "buddy", "office", "dsl", "deputy_dsl", "slt", "headteacher"]


class StaffMemberIn(Body):
    """One member of staff, whole: what is left out is not on record (a body of roles alone, as
    before people were named, still works)."""

    roles: Annotated[list[SchoolRole], Distinct] = Field(
        min_length=1, description="school roles only: trust-wide roles are not on a register")
    documents: DocumentsIn = Field(default_factory=DocumentsIn)
    name: PersonName | None = Field(None, description="as colleagues know them; sealed")
    job_title: PersonName | None = Field(None, description="sealed")
    mobile: Phone | None = Field(None, description="sealed; the ladder and the buddy ring it")


class AssignmentIn(Body):
    pack: str = Field(min_length=1, max_length=63)
    overrides: dict[str, Any] = Field(default_factory=dict)


class PackFileIn(Body):
    filename: str = Field("pack.yaml", min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=200_000)


class PackUploadIn(PackFileIn):
    """A pack file and the policy text it quotes: every quote is checked against that text."""

    policy_text: str = Field("", max_length=150_000,
                             description="the policy the pack's `source` names, as plain text")


class AdoptionIn(Body):
    """A school decides under this version of its pack from `from_date` (default today); a
    draft is published first."""

    pack: str = Field(min_length=1, max_length=63)
    version: int = Field(ge=1)
    from_date: date | None = None


class CarerIn(Body):
    name: PersonName
    relationship: PersonName | None = None
    mobile: Phone | None = None
    lives_here: bool | None = Field(None, description="lives at the address; null: not known")


class AddressIn(Body):
    lines: list[PersonName] = Field(min_length=1, max_length=6)
    postcode: str | None = Field(None, pattern=r"^[A-Za-z0-9 ]{5,10}$")


class PupilIn(Body):
    upn: str = Field(pattern=r"^[A-Z]\d{11}[0-9A-Z]$", description="the DfE unique pupil number")
    name: PersonName


class HouseholdIn(Body):
    """A household's details (West Norfolk 2.1: parents or carers, the address, contact numbers,
    other adults in the home) and the pupils who live there; all sealed under its key."""

    address: AddressIn
    phones: Annotated[list[Phone], Distinct] = Field(default_factory=list, max_length=6)
    carers: list[CarerIn] = Field(default_factory=list, max_length=10)
    other_adults: Annotated[list[PersonName], Distinct] = Field(default_factory=list,
                                                                 max_length=10)
    pupils: list[PupilIn] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _each_pupil_once(self) -> HouseholdIn:
        upns = [p.upn for p in self.pupils]
        if len(set(upns)) != len(upns):
            raise ValueError("each pupil (UPN) may be listed once")
        return self


class SchoolDetailsIn(Body):
    """A school as trust IT describes it when onboarding or changing it."""

    name: str = Field(min_length=1, max_length=120, description="the school's name, as people say it")
    timezone: str = Field("Europe/London", description="IANA time zone of the school's day")
    opens: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    closes: str = Field("17:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")
    policy_pack: str = Field("trust-default", min_length=1, max_length=63)
    contact_number: str = Field("", max_length=32, pattern=r"^[0-9 +()-]*$",
                                description="the school office's number")

    @model_validator(mode="after")
    def _a_real_day(self) -> SchoolDetailsIn:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {self.timezone!r} is not an IANA time zone, e.g. "
                             "Europe/London") from None
        if self.opens >= self.closes:
            raise ValueError(f"the school day must open before it closes ({self.opens} is not "
                             f"before {self.closes})")
        return self


class SchoolIn(SchoolDetailsIn):
    urn: SchoolUrn = Field(description="the school's unique reference number (6 digits)")


class ArchiveIn(Body):
    reason: str = Field(min_length=1, max_length=500, description="why the school leaves")
