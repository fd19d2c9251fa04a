"""CloudEvents 1.0 in the NATS binding (binary mode: `ce-` headers, the payload as the body)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_binary_event, to_binary_event
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from shared.contracts import EVENT_TYPES, IntegrationEvent

TYPE_PREFIX = "uk.doorstep."
MSG_ID_HEADER = "Nats-Msg-Id"

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# (event type, from version) -> function giving the payload of the next version
UPCASTERS: dict[tuple[str, int], Upcaster] = {}
# Version 2 of these sealed their personal fields. A version 1 message carried them in clear: it
# is refused (and so recorded and raised), never re-published or stored as if it were sealed.
SEALED_IN_V2 = ("VisitRequested", "Departed", "Arrived", "VisitCancelled", "VisitDeclined",
                "IncidentReported", "SafeguardingConcernRaised", "VisitWrittenUp", "EntryCorrected")


class EnvelopeError(ValueError):
    """A message that is not a Doorstep CloudEvent this version can read."""


@dataclass(frozen=True)
class WireMessage:
    subject: str
    headers: dict[str, str]
    body: bytes


def to_wire(event: IntegrationEvent, *, root: str, source: str | None = None) -> WireMessage:
    """`source` defaults to the event's own origin (the service owning its aggregate)."""
    source = source or event.origin()
    payload = event.model_dump(mode="json")
    cloud = CloudEvent(
        attributes={
            "id": str(event.event_id),
            "source": source,
            "type": TYPE_PREFIX + event.event_type(),
            "specversion": "1.0",
            "time": event.occurred_at,
            "subject": str(event.visit_id) if event.visit_id else event.school_urn,
            "datacontenttype": "application/json",
            "trustid": event.trust_id,
            "schoolurn": event.school_urn,
            "schemaversion": str(event.schema_version),
            "correlationid": str(event.correlation_id),
            "causationid": str(event.causation_id or ""),
        },
        data=payload,
    )
    message = to_binary_event(cloud)
    headers = {name: value for name, value in message.headers.items() if value}
    headers[MSG_ID_HEADER] = str(event.event_id)
    return WireMessage(subject=event.subject(root), headers=headers, body=message.body)


def from_wire(headers: Mapping[str, str] | None, body: bytes) -> IntegrationEvent:
    """Read a CloudEvent back into its typed contract, upcasting old versions."""
    if not headers or "ce-type" not in headers:
        raise EnvelopeError("not a CloudEvent: the ce-type header is missing")
    try:
        cloud = from_binary_event(HTTPMessage(headers=dict(headers), body=body))
    except Exception as error:
        raise EnvelopeError(f"unreadable CloudEvent: {error}") from error
    ce_type = cloud.get_type()
    if not ce_type.startswith(TYPE_PREFIX):
        raise EnvelopeError(f"unknown CloudEvent type {ce_type!r}")
    name = ce_type.removeprefix(TYPE_PREFIX)
    event_class = EVENT_TYPES.get(name)
    if event_class is None:
        raise EnvelopeError(f"unknown Doorstep event type {name!r}")
    data = cloud.get_data()
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise EnvelopeError(f"payload of {name} is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise EnvelopeError(f"payload of {name} is not a JSON object")
    data = upcast(name, data, event_class.version)
    try:
        return event_class.model_validate(data)
    except ValidationError as error:
        raise EnvelopeError(f"payload of {name} does not match its contract: {error}") from error


def upcast(name: str, data: dict[str, Any], current: int) -> dict[str, Any]:
    version = int(data.get("schema_version", 1))
    if version > current:
        raise EnvelopeError(f"{name} v{version} is newer than this service reads (v{current})")
    while version < current:
        data = UPCASTERS[(name, version)](data)
        version += 1
        data["schema_version"] = version
    return data


def _clear_text_refused(name: str) -> Upcaster:
    def refuse(data: dict[str, Any]) -> dict[str, Any]:
        raise EnvelopeError(f"{name} v1 carries personal data in clear; this deployment reads "
                            "only v2, with personal fields sealed")
    return refuse


for _name in SEALED_IN_V2:
    UPCASTERS[(_name, 1)] = _clear_text_refused(_name)
