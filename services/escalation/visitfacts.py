"""Turns one visit integration event into the fact the Watch records (pure: no I/O)."""

from __future__ import annotations

from uuid import UUID, uuid5

from services.escalation.domain import Watch
from shared.contracts import IntegrationEvent
from shared.contracts.authorisation import VisitAuthorised
from shared.contracts.meta import Meta
from shared.contracts.visits import (
    Arrived,
    CheckedIn,
    Departed,
    DuressRaised,
    LeftProperty,
    NoOneHome,
    Returned,
    VisitCancelled,
)

PLAN_FIELDS = ("grace_minutes", "reminder_before_minutes", "level2_after_minutes",
               "level3_after_minutes", "fallback_after_minutes")


def apply_visit_event(watch: Watch, event: IntegrationEvent, meta: Meta) -> UUID | None:
    """Record the fact; returns the id of a duress escalation to raise at once, if any."""
    cause, at = str(event.event_id), event.occurred_at
    if isinstance(event, VisitAuthorised):
        conditions = event.conditions
        plan = {name: getattr(conditions.escalation, name) for name in PLAN_FIELDS}
        plan["check_in_interval_minutes"] = conditions.check_in_interval_minutes
        plan["no_one_home_wait_minutes"] = conditions.no_one_home_wait_minutes
        watch.authorised(cause, plan, list(conditions.staff_ids), meta)
    elif isinstance(event, Departed):
        buddy = {"person_id": event.buddy_id, "role": "buddy", "phone": event.buddy_phone}
        watch.departed(cause, at, event.expected_arrival, event.expected_return,
                       event.check_in_interval_minutes, buddy,
                       [member.staff_id for member in event.staff], meta)
    elif isinstance(event, Arrived):
        watch.arrived(cause, at, meta)
    elif isinstance(event, CheckedIn):
        watch.checked_in(cause, at, event.sequence, meta)
    elif isinstance(event, NoOneHome):
        watch.went_away(cause, at, None, meta)
    elif isinstance(event, LeftProperty):
        watch.went_away(cause, at, event.expected_return, meta)
    elif isinstance(event, Returned | VisitCancelled):
        watch.closed(cause, at, "returned" if isinstance(event, Returned) else "cancelled", meta)
    elif isinstance(event, DuressRaised):
        escalation_id = uuid5(watch.id, f"duress:{cause}")
        watch.duress(cause, at, event.how, escalation_id, meta)
        return escalation_id
    return None


def check_in_number(event: IntegrationEvent) -> int | None:
    """A check-in's number within its visit (how a repeat is known), or None for other events."""
    return event.sequence if isinstance(event, CheckedIn) else None
