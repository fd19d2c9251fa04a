"""Aggregates of the authorisation service. Pure: no I/O, no framework.

A package, like every service's `domain/`; its aggregates live in this `__init__` so that
their stored events keep the topics (`services.<service>.domain:...`) they were saved under.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

Meta = dict[str, str]


class VisitCase(Aggregate):
    """One visit as authorisation sees it: what was asked for, and each decision on it."""

    @staticmethod
    def create_id(visit_id: UUID) -> UUID:
        """The case is the visit, seen from here: it shares the visit's id."""
        return visit_id

    @event("Requested")
    def __init__(self, visit_id: UUID, request: dict[str, Any], source_event_id: str,
                 meta: Meta) -> None:
        self.visit_id = visit_id
        self.request = request
        self.seen_events = [source_event_id]
        self.assessment_ids: list[str] = []
        self.decision: str | None = None
        self.decided_by: str | None = None
        self.conditions: dict[str, Any] | None = None
        self.broken_rules: list[dict[str, str]] = []
        self.meta = meta

    @event("RequestChanged")
    def change_request(self, request: dict[str, Any], source_event_id: str, meta: Meta) -> None:
        """A new request for the same visit (staff or times changed): any decision lapses."""
        self.request = request
        self.seen_events.append(source_event_id)
        self.decision = None
        self.conditions = None

    @event("AssessmentAttached")
    def attach_assessment(self, assessment_id: str, meta: Meta) -> None:
        self.assessment_ids.append(assessment_id)

    # Decisions stored before packs had versions carry only `policy_pack` ("name@dated"): they
    # were made under the packs the code shipped, which are version 1 of each.
    @event("Authorised")
    def authorise(self, authorised_by: str, conditions: dict[str, Any], risk_score: int | None,
                  assessment_id: str | None, policy_pack: str, meta: Meta, pack_name: str = "",
                  pack_version: int = 0, facts: dict[str, Any] | None = None) -> None:
        self.decision = "authorised"
        self.decided_by = authorised_by
        self.conditions = conditions
        self.broken_rules = []
        self.decided_under = _under(policy_pack, pack_name, pack_version)

    @event("Declined")
    def decline(self, declined_by: str, broken_rules: list[dict[str, str]], reason: str | None,
                policy_pack: str, meta: Meta, pack_name: str = "", pack_version: int = 0,
                facts: dict[str, Any] | None = None) -> None:
        self.decision = "declined"
        self.decided_by = declined_by
        self.conditions = None
        self.broken_rules = broken_rules
        self.decided_under = _under(policy_pack, pack_name, pack_version)

    @event("Refused")
    def refuse(self, attempted_by: str, broken_rules: list[dict[str, str]], policy_pack: str,
               pack_name: str, pack_version: int, facts: dict[str, Any], meta: Meta) -> None:
        """An authorisation asked for and refused on broken rules: the decision stands open."""
        self.refusals = [*getattr(self, "refusals", []),
                         {"by": attempted_by, "pack": pack_name, "version": pack_version,
                          "broken_rules": [rule["rule"] for rule in broken_rules]}]

    @event("Progressed")
    def progress_to(self, stage: str, source_event_id: str, meta: Meta) -> None:
        """The visit was signed out, came back or was cancelled: decisions are over."""
        self.stage = stage
        self.seen_events.append(source_event_id)

    @property
    def closed_for_decisions(self) -> str | None:
        """Why no decision or assessment may be made now, or None while one still may."""
        stage = getattr(self, "stage", None)  # cases stored before stages were kept have none
        return None if stage is None else f"the visit has been {stage.replace('_', ' ')}"

    @property
    def school_urn(self) -> str:
        return str(self.request["school_urn"])

    @property
    def household_id(self) -> str:
        return str(self.request["household_id"])

    @property
    def staff_ids(self) -> list[str]:
        return list(self.request["staff_ids"])

    @property
    def planned_date(self) -> date:
        return date.fromisoformat(self.request["planned_date"])

    @property
    def planned_start(self) -> datetime:
        return datetime.fromisoformat(self.request["planned_start"])

    @property
    def planned_end(self) -> datetime:
        return datetime.fromisoformat(self.request["planned_end"])


def _under(label: str, name: str, version: int) -> dict[str, Any]:
    return {"pack": name or label.split("@")[0], "version": version or 1, "label": label}


class RiskAssessment(Aggregate):
    """One assessment (initial checklist, full assessment or dynamic at the door), as recorded."""

    @event("Recorded")
    def __init__(self, school_urn: str, household_id: str, visit_id: UUID, kind: str, score: int,
                 band: str, review_date: str | None, details: dict[str, Any], assessed_by: str,
                 assessed_role: str, recorded_at: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.household_id = household_id
        self.visit_id = visit_id
        self.kind = kind
        self.score = score
        self.band = band
        self.review_date = review_date
        self.details = details
        self.assessed_by = assessed_by
        self.assessed_role = assessed_role
        self.recorded_at = recorded_at
        self.reviews: list[dict[str, str]] = []

    @event("Reviewed")
    def review(self, by: str, role: str, reviewed_at: str, review_date: str, note: str | None,
               meta: Meta) -> None:
        """Reviewed and still standing, until the new review date (West Norfolk App. 4, l.226)."""
        self.reviews.append({"reviewed_by": by, "role": role, "reviewed_at": reviewed_at,
                             "note": note or ""})
        self.review_date = review_date

    @event("SignedOff")
    def sign_off(self, by: str, role: str, meta: Meta) -> None:
        """A senior leader signs the assessment off (West Norfolk 2.7, line 117; App. 2, l.216)."""
        self.reviews.append({"signed_off_by": by, "role": role})
