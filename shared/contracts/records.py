"""Events of incidents, concerns and write-ups, published by the records service."""

from __future__ import annotations

from pydantic import Field

from shared.contracts.base import IntegrationEvent, StaffId


class IncidentReported(IntegrationEvent):
    aggregate = "incident"

    incident_id: str
    kind: str
    description: str
    police_called: bool = False
    reported_by: StaffId = Field(description="who reported it")
