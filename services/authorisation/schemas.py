"""Request bodies of the HTTP API: bad input is refused at the edge with a 422 that says why."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.authorisation.assessments import Kind
from shared.contracts.base import StaffId


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentIn(Body):
    """A risk assessment for the visit's household. `score` alone is enough for a quick record."""

    kind: Kind = Kind.INITIAL
    score: int | None = Field(None, ge=1, le=25, description="1-25; derived from details if absent")
    review_date: date | None = None

    @model_validator(mode="after")
    def _needs_a_score(self) -> AssessmentIn:
        if self.score is None:
            raise ValueError("give a score (1-25)")
        return self


class DecisionIn(Body):
    """Authorise or decline the visit."""

    decision: Literal["authorise", "decline"]
    reason: str | None = Field(None, max_length=2000)
    staff_ids: list[StaffId] | None = Field(
        None, description="the staff this decision covers; defaults to the staff requested")
    lone_visit_approved: bool = Field(False, description="explicit approval of a lone visit")
    responsible_contact: StaffId | None = Field(None, description="named for out-of-hours visits")
    out_of_hours_reason: str | None = Field(None, max_length=2000)
    drivers: list[StaffId] = Field(default_factory=list, description="staff who will drive")
    doorstep_only: bool = False
