"""Integration events: the public contract on the wire. Importing this registers every type."""

from shared.contracts import authorisation, escalation, records, visits
from shared.contracts.base import (
    EVENT_TYPES,
    Actor,
    Contract,
    IntegrationEvent,
    Role,
    SchoolUrn,
    TrustId,
    event_subject,
)

__all__ = [
    "EVENT_TYPES",
    "Actor",
    "Contract",
    "IntegrationEvent",
    "Role",
    "SchoolUrn",
    "TrustId",
    "authorisation",
    "escalation",
    "event_subject",
    "records",
    "visits",
]
