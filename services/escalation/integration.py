"""Stored escalation events become the published integration events of the escalation contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from services.escalation.domain import ContactDirectory, Delivery, Escalation, Watch
from services.escalation.reminders import is_reminder_delivery
from shared.contracts import IntegrationEvent
from shared.contracts import escalation as contract
from shared.contracts.meta import envelope_fields

SERVICE = "escalation"
Build = Callable[[dict[str, Any], Any], IntegrationEvent]


def _missed(base: dict[str, Any], e: Any) -> IntegrationEvent:
    if e.kind == "arrival":
        return contract.ArrivalOverdue(**base, due_at=e.due_at, late=e.late)
    if e.kind == "return":
        return contract.ReturnOverdue(**base, due_at=e.due_at, late=e.late)
    return contract.CheckInMissed(**base, due_at=e.due_at, sequence=e.sequence, late=e.late)


def _raised(base: dict[str, Any], e: Any) -> IntegrationEvent:
    contacts = [contract.Contact(person_id=c["person_id"], role=c["role"]) for c in e.contacts]
    return contract.EscalationRaised(
        **base, escalation_id=e.originator_id, level=e.level, trigger=e.trigger, reason=e.reason,
        contacts=contacts, police_decision_required=e.level >= 3, late=e.late)


PUBLISHED: dict[tuple[type[Any], str], Build] = {
    (Watch, "DeadlineMissed"): _missed,
    (Watch, "ReminderDue"): lambda base, e: contract.CheckInDueSoon(
        **base, due_at=e.nominal, sequence=e.sequence),
    (Escalation, "Raised"): _raised,
    (Escalation, "Climbed"): _raised,
    (Escalation, "Acknowledged"): lambda base, e: contract.EscalationAcknowledged(
        **base, escalation_id=e.originator_id, acknowledged_by=e.person_id, role=e.role,
        level=e.level),
    (Escalation, "Resolved"): lambda base, e: contract.EscalationResolved(
        **base, escalation_id=e.originator_id, outcome=e.outcome, resolved_by=e.person_id,
        role=e.role),
    (ContactDirectory, "LadderChecked"): lambda base, e: contract.EscalationLadderChanged(
        **base, complete=not e.missing, missing=list(e.missing)),
    (Delivery, "Receipted"): lambda base, e: (
        contract.NotificationDelivered if e.outcome in ("delivered", "answered")
        else contract.NotificationFailed)(
        **base, escalation_id=e.escalation_id, level=e.level, channel=e.channel,
        recipient_id=e.recipient_id, outcome=e.outcome, detail=e.detail[:500]),
    (Delivery, "Attempted"): lambda base, e: contract.NotificationAttempted(
        **base, escalation_id=e.escalation_id, level=e.level, channel=e.channel,
        recipient_id=e.recipient_id, attempt=e.attempt, delivered=e.delivered,
        detail=e.detail[:500], final=e.final),
}


def translate(domain_event: Any) -> list[IntegrationEvent]:
    """Watch facts copied from visit events are not republished; decisions made here are."""
    found = _published_as(type(domain_event))
    if found is None:
        return []
    aggregate, build = found
    visit_id = domain_event.meta.get("visit_id")
    if aggregate is Delivery and is_reminder_delivery(
            domain_event.escalation_id, UUID(visit_id) if visit_id else None):
        return []  # a check-in reminder to the staff, not an escalation's notification
    base = envelope_fields(SERVICE, domain_event, visit_id=UUID(visit_id) if visit_id else None)
    return [build(base, domain_event)]


_PUBLISHED_AS: dict[type[Any], tuple[type[Any], Build] | None] = {}


def _published_as(kind: type[Any]) -> tuple[type[Any], Build] | None:
    """How a kind of stored event is published, if it is: worked out once a kind, as every event
    stored here (most of them facts that publish nothing) passes through the outbox."""
    if kind not in _PUBLISHED_AS:
        _PUBLISHED_AS[kind] = next(
            ((aggregate, build) for (aggregate, name), build in PUBLISHED.items()
             if kind.__name__ == name and issubclass(kind, aggregate.Event)), None)
    return _PUBLISHED_AS[kind]
