"""The AsyncAPI document an integrator reads lists every subject and payload, from the code."""

from __future__ import annotations

import json
import subprocess
import sys

from shared.contracts import EVENT_TYPES
from shared.contracts.base import IntegrationEvent

PROMISED = {"VisitRequested", "RiskAssessed", "VisitAuthorised", "VisitDeclined", "Departed",
            "Arrived", "CheckedIn", "LeftProperty", "Returned", "CheckInMissed", "IncidentReported"}


def generated() -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-m", "shared.cli.main", "asyncapi"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_every_event_type_has_its_subject_and_payload() -> None:
    document = generated()
    assert document["asyncapi"] == "3.0.0"
    assert set(EVENT_TYPES) >= PROMISED
    channels = document["channels"]
    schemas = document["components"]["schemas"]
    for name, event_class in EVENT_TYPES.items():
        channel = channels[name]
        assert channel["address"] == f"doorstep.events.{{trust}}.{{school}}.{event_class.aggregate}.{name}"
        schema = schemas[name]
        assert set(event_class.model_fields) <= set(schema["properties"]), name
        for envelope_field in IntegrationEvent.model_fields:
            assert envelope_field in schema["properties"], (name, envelope_field)


def sealed_fields(schema: dict, schemas: dict, path: str = "") -> set[str]:  # type: ignore[type-arg]
    """Every property path the document marks `x-doorstep-sealed`, through $refs and arrays."""
    if "$ref" in schema:
        return sealed_fields(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, path)
    found = {path} if schema.get("x-doorstep-sealed") else set()
    for option in schema.get("anyOf", []):
        found |= sealed_fields(option, schemas, path)
    if "items" in schema:
        found |= sealed_fields(schema["items"], schemas, path + "[]")
    if isinstance(schema.get("additionalProperties"), dict):
        found |= sealed_fields(schema["additionalProperties"], schemas, path + "{}")
    for name, prop in schema.get("properties", {}).items():
        found |= sealed_fields(prop, schemas, f"{path}.{name}" if path else name)
    return found


def test_the_document_marks_every_personal_field_as_sealed() -> None:
    schemas = generated()["components"]["schemas"]
    assert sealed_fields(schemas["Departed"], schemas) == {
        "staff[].mobile", "vehicle_registration", "address", "expecting_to_see", "buddy_phone"}
    assert sealed_fields(schemas["VisitRequested"], schemas) == {"purpose"}
    assert sealed_fields(schemas["VisitWrittenUp"], schemas) == {"summary", "actions[].description"}
    assert sealed_fields(schemas["EntryCorrected"], schemas) == {"reason", "correction{}"}
    assert sealed_fields(schemas["CheckedIn"], schemas) == set()
    assert sealed_fields(schemas["StaffRolesChanged"], schemas) == {"name", "job_title", "mobile"}


def test_escalations_heartbeat_is_documented_beside_the_events_for_trust_its_own_monitors() -> None:
    document = generated()
    channel = document["channels"]["EscalationHeartbeat"]
    assert channel["address"] == "doorstep.heartbeat.escalation"
    beat = document["components"]["schemas"]["EscalationHeartbeat"]["properties"]
    assert {"replica", "leading", "last_tick_at", "deadlines_pending", "oldest_overdue_seconds",
            "providers"} <= set(beat)
