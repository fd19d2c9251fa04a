"""The reminder before a check-in is due (`CheckInDueSoon`), texted to each member of staff on
the visit at the mobile the school's staff register holds, so it reaches them when the page is
closed; they reply OK to check in (the visits service takes the reply). Sent as any text is
(a `Delivery`, retried), but it is no escalation: no acknowledge link, no next channel, and its
attempts are not published as escalation notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from services.escalation.domain import Delivery, Watch
from services.escalation.naming import Naming
from services.escalation.options import Channels
from shared.contracts.meta import Meta
from shared.security.register import StaffRegisters

KIND = "check_in_reminder"


def reminder_deliveries(watch: Watch, channels: Channels, registers: StaffRegisters | None,
                        now: datetime, meta: Meta) -> list[Aggregate]:
    """A text to each member of staff on the visit, for each reminder just recorded."""
    if registers is None or not channels.texts(watch.school_urn):
        return []
    made: list[Aggregate] = []
    for step in watch.pending_events:
        if type(step).__name__ != "ReminderDue":
            continue
        nominal: datetime = step.nominal  # type: ignore[attr-defined]
        for staff_id in watch.staff_ids:
            person = registers.person(watch.school_urn, staff_id)
            if person is None or not person.mobile:
                continue
            message = {"kind": KIND, "trust_id": watch.trust_id, "school_urn": watch.school_urn,
                       "visit_id": str(watch.visit_id), "due_at": nominal.isoformat(),
                       "sequence": step.sequence,  # type: ignore[attr-defined]
                       "on_visit": [staff_id], "level": 1, "trigger": KIND, "contacts": []}
            made.append(Delivery(watch.id, step.originator_version, "sms", staff_id,
                                 watch.visit_id, 1, person.mobile, message,
                                 channels.max_attempts, channels.backoff_seconds, now, meta))
    return made


def is_reminder(message: dict[str, Any]) -> bool:
    return message.get("kind") == KIND


def is_reminder_delivery(escalation_id: UUID, visit_id: UUID | None) -> bool:
    """A reminder's delivery hangs off the visit's Watch, not an escalation."""
    return visit_id is not None and escalation_id == Watch.create_id(visit_id)


def reminder_text(message: dict[str, Any], naming: Naming, zone: str = "Europe/London") -> str:
    urn = str(message["school_urn"])
    due = datetime.fromisoformat(str(message["due_at"])).astimezone(ZoneInfo(zone))
    return (f"{naming.school(urn)}: your Doorstep check-in is due at {due:%H:%M}. Reply OK to "
            "this text to check in.")
