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
