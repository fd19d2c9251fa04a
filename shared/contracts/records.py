"""Events of incidents, concerns, write-ups, corrections and audit checkpoints (records service)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Distinct, IntegrationEvent, StaffId
from shared.contracts.sealed import Sealed
from shared.contracts.visits import Reference


class IncidentReported(IntegrationEvent):
    """An incident on a visit, reported on return; the headteacher must see it that working day."""

    aggregate = "incident"
    version = 2  # v2: description sealed

    incident_id: str
    kind: str
    description: Sealed
    police_called: bool = False
    reported_by: StaffId = Field(description="who reported it")
    share_by: AwareDatetime | None = Field(None, description="end of the school's working day")


class IncidentShared(IntegrationEvent):
    """The incident report was shared with the headteacher."""

    aggregate = "incident"

    incident_id: str
    shared_with: StaffId
    on_time: bool


class IncidentReportOverdue(IntegrationEvent):
    """The working day ended and the incident report had not been shared with the headteacher."""

    aggregate = "incident"

    incident_id: str
    share_by: AwareDatetime
    policy: str = "west-norfolk-academies-trust 2.6"


class SafeguardingConcernRaised(IntegrationEvent):
    """A safeguarding concern from a visit: the DSL is to be told at once."""

    aggregate = "concern"
    version = 2  # v2: description sealed

    concern_id: str
    pupil_ids: Annotated[list[Reference], Distinct] = Field(default_factory=list, max_length=50)
    description: Sealed
    immediate_risk: bool = False
    police_must_be_called: bool = Field(False, description="true whenever immediate_risk is")
    notify_roles: list[str] = Field(default_factory=lambda: ["dsl", "deputy_dsl"])
    raised_by: StaffId


class SafeguardingConcernReceived(IntegrationEvent):
    """The DSL (or deputy) has the concern."""

    aggregate = "concern"

    concern_id: str
    received_by: StaffId


class FollowUpAction(Contract):
    description: Sealed
    owner: StaffId
    due: date


class VisitWrittenUp(IntegrationEvent):
    """The write-up of a visit, with follow-up actions, owners and due dates."""

    aggregate = "writeup"
    version = 2  # v2: summary and actions sealed

    writeup_id: str
    summary: Sealed
    actions: list[FollowUpAction] = Field(default_factory=list)
    written_by: StaffId


class VisitFeedbackGiven(IntegrationEvent):
    """A member of staff's feedback after a visit, for the policy's next review (Ordsall 6:
    "feedback from staff who have conducted home visits"); after a difficult visit, a request
    for a debrief (The Rookeries), which the DSL and the headteacher are told of."""

    aggregate = "feedback"

    feedback_id: str
    feedback: Sealed
    difficult: bool = False
    debrief_requested: bool = False
    given_by: StaffId


class DebriefHeld(IntegrationEvent):
    """The debrief a member of staff asked for has happened, recorded by the DSL or head."""

    aggregate = "feedback"

    feedback_id: str
    held_by: StaffId
    note: Sealed | None = None


class EntryCorrected(IntegrationEvent):
    """A court-safe correction: nothing is edited; this points at the entry it corrects."""

    aggregate = "correction"
    version = 2  # v2: reason and corrected text sealed

    correction_id: str
    corrects_event_id: str
    reason: Sealed
    correction: dict[str, Sealed] = Field(default_factory=dict,
                                          description="field -> corrected text")


class AuditCheckpoint(IntegrationEvent):
    """The head of a trust's audit trail: hold it outside Doorstep to prove nothing changed."""

    aggregate = "audit"

    length: int = Field(ge=0, description="entries in the trust's trail")
    head_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class SubjectShredded(IntegrationEvent):
    """A data subject's keys were destroyed: every sealed copy of their personal data, on the
    stream, in the trail, in the stores and in any export, is unreadable from now on. The
    entries stay, in order, and the hash chain still verifies."""

    aggregate = "retention"

    subject_kind: str = Field(pattern=r"^(household|pupil|record)$")
    subject_id: Reference
    key_ids: list[str] = Field(min_length=1, description="the data keys destroyed")
    basis: str = Field(pattern=r"^(retention|erasure)$",
                       description="retention: its retention date passed; erasure: a DSL's "
                                   "documented decision")
    decision: str = Field(min_length=3, max_length=500,
                          description="why, as recorded (a rule or a decision reference; no "
                                      "names)")
    decided_by: StaffId
