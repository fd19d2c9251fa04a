"""A household's history, which decides the assessment a visit needs. Pure."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from services.authorisation.domain import Meta


@dataclass(frozen=True)
class AssessmentFacts:
    """What the rules need of one assessment."""

    assessment_id: str
    kind: str
    score: int
    band: str
    review_date: date | None
    recorded_at: datetime  # when it was made, or last reviewed
    signed_off_roles: tuple[str, ...]
    further_controls: bool

    @classmethod
    def of(cls, summary: dict[str, Any]) -> AssessmentFacts:
        review = summary.get("review_date")
        return cls(summary["assessment_id"], summary["kind"], int(summary["score"]),
                   summary["band"], date.fromisoformat(review) if review else None,
                   datetime.fromisoformat(summary["recorded_at"]),
                   tuple(summary.get("signed_off_roles") or ()),
                   bool(summary.get("further_controls")))


@dataclass(frozen=True)
class Requirement:
    """Which assessment this visit needs, the one that governs it, and why it falls short."""

    kind: str  # "initial" for a first visit, "full" for a later one
    first_visit: bool
    governing: AssessmentFacts | None
    shortfall: str | None


class Household(Aggregate):
    """One family's home, per school: who lives there, visits made there, assessments of it,
    incidents at it."""

    @staticmethod
    def create_id(school_urn: str, household_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:household:{school_urn}/{household_id}")

    @event("Opened")
    def __init__(self, school_urn: str, household_id: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.household_id = household_id
        self.assessments: list[dict[str, Any]] = []
        self.visits_made: list[str] = []
        self.incidents: list[dict[str, str]] = []
        self.details: str | None = None  # sealed JSON: carers, address, phones, other adults

    @event("DetailsRecorded")
    def record_details(self, details: str, meta: Meta) -> None:
        """Who lives there and how to reach them (West Norfolk 2.1, line 60), sealed whole under
        the household's key."""
        self.details = details

    @event("DetailsRemoved")
    def remove_details(self, meta: Meta) -> None:
        """No pupil of the school lives there now; its visits and assessments are kept."""
        self.details = None

    @event("AssessmentNoted")
    def note_assessment(self, summary: dict[str, Any], meta: Meta) -> None:
        self.assessments.append(dict(summary))

    @event("AssessmentSignedOff")
    def note_sign_off(self, assessment_id: str, role: str, meta: Meta) -> None:
        for summary in self.assessments:
            if summary["assessment_id"] == assessment_id:
                summary["signed_off_roles"] = [*summary.get("signed_off_roles", []), role]

    @event("AssessmentReviewed")
    def note_review(self, assessment_id: str, reviewed_at: str, review_date: str,
                    meta: Meta) -> None:
        """A review counts as assessing afresh: it stands from now, against later incidents."""
        for summary in self.assessments:
            if summary["assessment_id"] == assessment_id:
                summary["recorded_at"] = reviewed_at
                summary["review_date"] = review_date

    @event("DetailsRead")
    def note_read(self, household_id: str, read_by: str, role: str, fields: list[str], via: str,
                  meta: Meta) -> None:
        """Someone opened the household's sealed details (stored here before reads were kept
        apart, in `DetailsReads`; kept so that those events still load)."""

    @event("VisitMade")
    def note_visit(self, visit_id: str, meta: Meta) -> None:
        self.visits_made.append(visit_id)

    @event("IncidentNoted")
    def note_incident(self, incident_id: str, occurred_at: str, meta: Meta) -> None:
        self.incidents.append({"incident_id": incident_id, "occurred_at": occurred_at})

    def knows_incident(self, incident_id: str) -> bool:
        return any(i["incident_id"] == incident_id for i in self.incidents)

    def last_incident(self) -> datetime | None:
        times = [datetime.fromisoformat(i["occurred_at"]) for i in self.incidents]
        return max(times) if times else None

    def requirement(self, visit_id: str, on: date) -> Requirement:
        """A first visit needs the initial checklist; a later one a current full assessment.

        West Norfolk 2.1 (line 61) and Appendix 4 (line 226: review annually or after an incident).
        """
        usable = [AssessmentFacts.of(s) for s in self.assessments if s["kind"] != "dynamic"]
        fulls = [a for a in usable if a.kind == "full"]
        current = [a for a in fulls if self._current(a, on) is None]
        first = not [v for v in self.visits_made if v != visit_id]
        if first:
            initials = [a for a in usable if a.kind == "initial"]
            candidates = initials or current
            governing = candidates[-1] if candidates else None
            shortfall = None if governing else ("this is the first visit to the household and no "
                                                "initial risk assessment checklist is recorded")
            return Requirement("initial", True, governing, shortfall)
        if current:
            return Requirement("full", False, current[-1], None)
        if not fulls:
            return Requirement("full", False, None, "the household has been visited before and "
                               "has no full risk assessment")
        return Requirement("full", False, None, self._current(fulls[-1], on))

    def _current(self, assessment: AssessmentFacts, on: date) -> str | None:
        """None if the full assessment still stands on `on`; else why it does not."""
        if assessment.review_date is not None and assessment.review_date < on:
            return (f"the full risk assessment {assessment.assessment_id} was due for review "
                    f"on {assessment.review_date.isoformat()}")
        incident = self.last_incident()
        if incident is not None and incident >= assessment.recorded_at:
            return (f"an incident at the household on {incident.date().isoformat()} came after "
                    f"the full risk assessment {assessment.assessment_id}; it must be reviewed")
        return None


# Events stored before the layout move name this module `services.authorisation.household`.
register_topic("services.authorisation.household", sys.modules[__name__])
