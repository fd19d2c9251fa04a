"""Integration events: the public contract on the wire. Importing this registers every type.

Beside the events: what every stored domain event carries (`meta`), the errors every service's
API answers with (`errors`), and the school ladder that more than one service keeps (`ladder`).
"""

from shared.contracts import authorisation, directory, escalation, records, visits
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
    "directory",
    "escalation",
    "event_subject",
    "records",
    "visits",
]
