"""Events of missed deadlines and the escalation ladder."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.contracts.base import IntegrationEvent


class CheckInMissed(IntegrationEvent):
    aggregate = "escalation"

    due_at: AwareDatetime
    sequence: int = Field(ge=1)
    late: bool = False


class ReturnOverdue(IntegrationEvent):
    aggregate = "escalation"

    due_at: AwareDatetime
    late: bool = False
