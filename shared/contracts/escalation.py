"""Events of missed deadlines and the escalation ladder."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, Field

from shared.contracts.base import Contract, IntegrationEvent, Role, StaffId


class CheckInMissed(IntegrationEvent):
    aggregate = "escalation"

    due_at: AwareDatetime
    sequence: int = Field(ge=1)
    late: bool = False


class ReturnOverdue(IntegrationEvent):
    aggregate = "escalation"

    due_at: AwareDatetime
    late: bool = False


class ArrivalOverdue(IntegrationEvent):
    """The staff did not arrive by the expected arrival (plus the school's grace)."""

    aggregate = "escalation"

    due_at: AwareDatetime
    late: bool = False


class CheckInDueSoon(IntegrationEvent):
    """A reminder shortly before a check-in is due, to cut false alarms."""

    aggregate = "escalation"

    due_at: AwareDatetime
    sequence: int = Field(ge=1)


class Contact(Contract):
    """Someone the ladder tells: an id and the role they are told in (no phone numbers here)."""

    person_id: StaffId
    role: Role


class EscalationRaised(IntegrationEvent):
    """The ladder reached `level`: 1 buddy, 2 senior leader, 3 headteacher and the police decision,
    4 every safety lead of the school and the trust (the fallback that cannot be switched off)."""

    aggregate = "escalation"

    escalation_id: UUID
    level: int = Field(ge=1, le=4)
    trigger: str = Field(
        pattern=r"^(arrival_overdue|check_in_missed|no_one_home_wait|return_overdue|duress)$")
    reason: str
    contacts: list[Contact]
    police_decision_required: bool = False
    late: bool = False


class EscalationAcknowledged(IntegrationEvent):
    aggregate = "escalation"

    escalation_id: UUID
    acknowledged_by: StaffId
    role: Role
    level: int = Field(ge=1, le=4)


class EscalationResolved(IntegrationEvent):
    aggregate = "escalation"

    escalation_id: UUID
    outcome: str = Field(pattern=r"^(staff_safe|contact_made|police_called)$")
    resolved_by: StaffId
    role: Role


class NotificationAttempted(IntegrationEvent):
    """One attempt to tell one contact over one channel; a delivery receipt is not an acknowledgement."""

    aggregate = "escalation"

    escalation_id: UUID
    level: int = Field(ge=1, le=4)
    channel: str = Field(pattern=r"^(webhook|sms|voice|email|teams)$")
    recipient_id: str
    attempt: int = Field(ge=1)
    delivered: bool
    detail: str = ""
    final: bool = False


class NotificationDelivered(IntegrationEvent):
    """The provider says the message arrived (or the call was answered by a person). Still not
    an acknowledgement: only a person acknowledging stops the ladder."""

    aggregate = "escalation"

    escalation_id: UUID
    level: int = Field(ge=1, le=4)
    channel: str = Field(pattern=r"^(sms|voice|email|teams)$")
    recipient_id: str
    outcome: str = Field(pattern=r"^(delivered|answered)$")
    detail: str = ""


class NotificationFailed(IntegrationEvent):
    """The provider says it did not arrive, nobody answered, or a voicemail took it. The person
    is tried on their next channel; when nobody at the level can be reached it climbs at once."""

    aggregate = "escalation"

    escalation_id: UUID
    level: int = Field(ge=1, le=4)
    channel: str = Field(pattern=r"^(sms|voice|email|teams)$")
    recipient_id: str
    outcome: str = Field(pattern=r"^(failed|no_answer|voicemail)$")
    detail: str = ""


class EscalationLadderChanged(IntegrationEvent):
    """A school's escalation ladder after its contacts, or its trust's safety leads, changed:
    whether every level above the buddy reaches someone. Names and numbers stay in escalation."""

    aggregate = "ladder"

    complete: bool
    missing: list[str] = Field(default_factory=list, description="what each short level lacks")


class ProviderHealth(Contract):
    """How one provider (GOV.UK Notify, Twilio, email, a webhook) has taken escalation's
    messages lately: its attempts and failures in the last minute, and since when every
    attempt has failed (None while the last one went through)."""

    provider: str = Field(min_length=1, max_length=40)
    sent_last_minute: int = Field(ge=0)
    failed_last_minute: int = Field(ge=0)
    failing_since: AwareDatetime | None = None


class EscalationHeartbeat(Contract):
    """A sign of life from one escalation replica's deadline scheduler, and its progress.

    Sent every few seconds from inside the scheduler's own loop, so a scheduler that hangs
    stops beating. Not a domain event (no visit changed, nothing for the audit trail), so it is
    not kept in a store nor put on the events stream: it goes on core NATS at
    `heartbeat_subject`, where a missing beat is the message. Only the replica holding the
    lease (`leading`) fires deadlines; a beat from a standby alone means nobody is firing."""

    replica: str = Field(min_length=1, max_length=200)
    leading: bool
    sent_at: AwareDatetime
    last_tick_at: AwareDatetime
    deadlines_pending: int = Field(ge=0)
    oldest_overdue_seconds: float = Field(0.0, ge=0, description="how late the most overdue "
                                                                 "deadline not yet fired is")
    providers: list[ProviderHealth] = Field(default_factory=list)


def heartbeat_subject(root: str) -> str:
    """Where escalation's heartbeats go: outside the events stream (`<root>.events.>`)."""
    return f"{root}.heartbeat.escalation"
