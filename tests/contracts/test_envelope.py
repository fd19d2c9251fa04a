"""The wire format integrators rely on: CloudEvents 1.0 attributes, versioned payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_binary_event, to_binary_event
from cloudevents.core.v1.event import CloudEvent

from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.escalation import CheckInMissed
from shared.messaging.envelope import UPCASTERS, EnvelopeError, from_wire, to_wire


def missed() -> CheckInMissed:
    return CheckInMissed(event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id="norfolk",
                         school_urn="121212", visit_id=uuid4(),
                         actor=Actor(id="escalation", role=Role.SYSTEM), correlation_id=uuid4(),
                         causation_id=uuid4(), due_at=datetime.now(UTC), sequence=2)


def test_a_published_event_is_a_cloudevent_with_doorstep_extensions() -> None:
    event = missed()
    wire = to_wire(event, root="doorstep", source="/doorstep/escalation")
    assert wire.subject == "doorstep.events.norfolk.121212.escalation.CheckInMissed"
    h = wire.headers
    assert (h["ce-specversion"], h["ce-type"], h["ce-source"]) == (
        "1.0", "uk.doorstep.CheckInMissed", "/doorstep/escalation")
    assert h["ce-id"] == h["Nats-Msg-Id"] == str(event.event_id)
    assert (h["ce-trustid"], h["ce-schoolurn"], h["ce-schemaversion"]) == ("norfolk", "121212", "1")
    assert h["ce-correlationid"] == str(event.correlation_id)
    assert h["ce-causationid"] == str(event.causation_id)
    assert h["content-type"] == "application/json"
    assert json.loads(wire.body)["sequence"] == 2
    assert from_wire(wire.headers, wire.body) == event


def test_an_old_version_is_upcast_not_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    event = missed()
    wire = to_wire(event, root="doorstep", source="/test")
    old = json.loads(wire.body)
    old["schema_version"] = 0
    old["seq"] = old.pop("sequence")

    def v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
        data["sequence"] = data.pop("seq")
        return data

    monkeypatch.setitem(UPCASTERS, ("CheckInMissed", 0), v0_to_v1)
    assert from_wire(wire.headers, json.dumps(old).encode()) == event


@pytest.mark.parametrize(("headers", "body", "why"), [
    ({}, b"{}", "ce-type header is missing"),
    ({"ce-type": "uk.doorstep.Nope", "ce-id": "1", "ce-source": "/x", "ce-specversion": "1.0"},
     b"{}", "unknown Doorstep event type"),
    ({"ce-type": "uk.doorstep.CheckInMissed", "ce-id": "1", "ce-source": "/x",
      "ce-specversion": "1.0", "content-type": "application/json"}, b'{"sequence": 1}',
     "does not match its contract"),
])
def test_unreadable_messages_are_refused_with_the_reason(headers: dict[str, str], body: bytes,
                                                         why: str) -> None:
    with pytest.raises(EnvelopeError, match=why):
        from_wire(headers, body)


def test_a_newer_version_than_this_service_reads_is_refused() -> None:
    wire = to_wire(missed(), root="doorstep", source="/test")
    newer = json.loads(wire.body) | {"schema_version": 9}
    with pytest.raises(EnvelopeError, match="newer than this service reads"):
        from_wire(wire.headers, json.dumps(newer).encode())


def library_binary(event: IntegrationEvent, source: str) -> tuple[dict[str, str], Any]:
    """What the cloudevents library's own binding makes of the event: the reference."""
    cloud = CloudEvent(attributes={
        "id": str(event.event_id), "source": source, "type": f"uk.doorstep.{event.event_type()}",
        "specversion": "1.0", "time": event.occurred_at,
        "subject": str(event.visit_id) if event.visit_id else event.school_urn,
        "datacontenttype": "application/json", "trustid": event.trust_id,
        "schoolurn": event.school_urn, "schemaversion": str(event.schema_version),
        "correlationid": str(event.correlation_id), "causationid": str(event.causation_id or ""),
    }, data=event.model_dump(mode="json"))
    message = to_binary_event(cloud)
    return {name: value for name, value in message.headers.items() if value}, message.body


def written_as_the_library_writes_it(event: IntegrationEvent, source: str) -> None:
    """The hand-written binding (shared/messaging/envelope.py) against the library's, both ways."""
    wire = to_wire(event, root="doorstep", source=source)
    headers, body = library_binary(event, source)
    assert wire.headers == headers | {"Nats-Msg-Id": str(event.event_id)}
    assert json.loads(wire.body) == json.loads(body)
    assert from_wire(headers, body) == event  # what the library writes is read
    assert from_binary_event(HTTPMessage(wire.headers, wire.body)).get_id() == headers["ce-id"]


def test_headers_are_percent_encoded_as_the_library_encodes_them() -> None:
    for source in ("/doorstep/visits", '/a b/"100%"/é'):
        written_as_the_library_writes_it(missed(), source)
    wire = to_wire(missed(), root="doorstep", source='/a b/"100%"/é')
    assert wire.headers["ce-source"] == "/a%20b/%22100%25%22/%C3%A9"


@pytest.mark.parametrize(("dropped", "why"), [
    ("ce-id", "ce-id missing"), ("ce-source", "ce-source missing"),
    ("ce-specversion", "ce-specversion missing")])
def test_a_message_without_a_required_cloudevents_attribute_is_refused(dropped: str,
                                                                        why: str) -> None:
    wire = to_wire(missed(), root="doorstep", source="/test")
    headers = {name: value for name, value in wire.headers.items() if name != dropped}
    with pytest.raises(EnvelopeError, match=why):
        from_wire(headers, wire.body)
    with pytest.raises(EnvelopeError, match=r"specversion '0\.3'"):
        from_wire(wire.headers | {"ce-specversion": "0.3"}, wire.body)
