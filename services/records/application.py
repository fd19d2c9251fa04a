"""Use cases of the records service: the audit trail, and the records it keeps itself."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from services.records.trail import Appended, Selection, Trail
from shared.contracts import IntegrationEvent
from shared.errors import NotFound


class RecordsApplication(Application[UUID]):
    name = "records"

    def __init__(self, env: dict[str, str] | None = None, *, trail: Trail) -> None:
        super().__init__(env)
        self.trail = trail

    def record(self, event: IntegrationEvent) -> Appended:
        """Append one event from any service to its trust's trail, once."""
        return self.trail.append(event)

    def history(self, selection: Selection) -> list[dict[str, Any]]:
        entries = self.trail.history(selection)
        if not entries and selection.as_of is None and selection.known_at is None:
            what = f"visit {selection.visit_id}" if selection.visit_id else selection.ref
            raise NotFound(f"the audit trail holds nothing for {what}")
        return entries
