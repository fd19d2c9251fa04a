"""Stored Visit events become the published integration events of the visit contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.visits.domain import Visit
from services.visits.domain.inbound import InboundMessage
from services.visits.domain.log import LogOpenings
from shared.contracts import IntegrationEvent
from shared.contracts import visits as contract
from shared.contracts.meta import envelope_fields

SERVICE = "visits"


def _departed(base: dict[str, Any], event: Any) -> IntegrationEvent:
    sign_out = dict(event.sign_out)
    phrase = sign_out.pop("duress_phrase", "")  # the phrase itself never leaves this service
    return contract.Departed(**base, **sign_out, duress_phrase_agreed=bool(phrase))


PUBLISHED: dict[str, Callable[[dict[str, Any], Any], IntegrationEvent]] = {
    "Requested": lambda base, e: contract.VisitRequested(**base, **e.request),
    "Departed": _departed,
    "Arrived": lambda base, e: contract.Arrived(**base, dynamic_risk_ok=e.dynamic_risk_ok,
                                                note=e.note),
    "CheckedIn": lambda base, e: contract.CheckedIn(**base, sequence=e.sequence,
                                                    channel=getattr(e, "channel", "app")),
    "NoOneHome": lambda base, e: contract.NoOneHome(**base, waited_minutes=e.waited_minutes),
    "LeftProperty": lambda base, e: contract.LeftProperty(**base, expected_return=e.expected_return),
    "Returned": lambda base, e: contract.Returned(**base, incident_to_report=e.incident_to_report),
    "Cancelled": lambda base, e: contract.VisitCancelled(**base, reason=e.reason),
    "DuressRaised": lambda base, e: contract.DuressRaised(**base, raised_by=e.raised_by, how=e.how,
                                                          channel=getattr(e, "channel", "app")),
}


def _log_opened(domain_event: Any) -> IntegrationEvent:
    base = envelope_fields(SERVICE, domain_event, visit_id=domain_event.visit_id)
    return contract.HomeVisitLogOpened(
        **base, household_id=domain_event.household_id, opened_by=base["actor"].id,
        role=domain_event.role, fields=domain_event.fields, via=domain_event.via)


def _inbound_refused(domain_event: Any) -> IntegrationEvent:
    base = envelope_fields(SERVICE, domain_event, visit_id=domain_event.visit_id)
    return contract.InboundCheckInRefused(
        **base, provider=domain_event.provider, channel=domain_event.channel,
        reason=domain_event.reason, detail=domain_event.detail,
        message_id=domain_event.message_id[:100], number_ending=domain_event.number_ending,
        number=domain_event.number, staff_id=domain_event.staff_id)


def translate(domain_event: Any) -> list[IntegrationEvent]:
    """Decisions recorded here came from authorisation's events, so they are not republished."""
    if isinstance(domain_event, LogOpenings.Opened):  # type: ignore[attr-defined]
        return [_log_opened(domain_event)]
    if isinstance(domain_event, InboundMessage.Refused):  # type: ignore[attr-defined]
        return [_inbound_refused(domain_event)]
    build = PUBLISHED.get(type(domain_event).__name__)
    if build is None or not isinstance(domain_event, Visit.Event):
        return []
    base = envelope_fields(SERVICE, domain_event, visit_id=domain_event.originator_id)
    return [build(base, domain_event)]
