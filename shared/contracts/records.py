"""Events of incidents, concerns, write-ups, corrections and audit checkpoints (records service)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, Distinct, IntegrationEvent, StaffId
from shared.contracts.visits import Reference


class IncidentReported(IntegrationEvent):
    """An incident on a visit, reported on return; the headteacher must see it that working day."""

    aggregate = "incident"

    incident_id: str
    kind: str
    description: str
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

    concern_id: str
    pupil_ids: Annotated[list[Reference], Distinct] = Field(default_factory=list, max_length=50)
    description: str
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
    description: str = Field(min_length=1, max_length=2000)
    owner: StaffId
    due: date


class VisitWrittenUp(IntegrationEvent):
    """The write-up of a visit, with follow-up actions, owners and due dates."""

    aggregate = "writeup"

    writeup_id: str
    summary: str
    actions: list[FollowUpAction] = Field(default_factory=list)
    written_by: StaffId


class EntryCorrected(IntegrationEvent):
    """A court-safe correction: nothing is edited; this points at the entry it corrects."""

    aggregate = "correction"

    correction_id: str
    corrects_event_id: str
    reason: str
    correction: dict[str, str] = Field(default_factory=dict, description="field -> corrected text")


class AuditCheckpoint(IntegrationEvent):
    """The head of a trust's audit trail: hold it outside Doorstep to prove nothing changed."""

    aggregate = "audit"

    length: int = Field(ge=0, description="entries in the trust's trail")
    head_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
