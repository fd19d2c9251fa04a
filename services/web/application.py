"""The pages' own store: the trust's safety alarm, raised and cleared once per outage."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from services.web.domain.alarm import SafetyAlarm


class WebApplication(Application[UUID]):
    name = "web"

    def __init__(self, env: EnvType) -> None:
        # no aggregate cache: another replica of the pages may have written since
        super().__init__({**env, "AGGREGATE_CACHE_MAXSIZE": ""})

    def alarm(self, trust_id: str) -> SafetyAlarm | None:
        try:
            found: SafetyAlarm = self.repository.get(SafetyAlarm.create_id(trust_id))
        except AggregateNotFoundError:
            return None
        return found

    def raise_alarm(self, trust_id: str, loop: str, since: datetime, schools: list[str],
                    providers: list[str]) -> bool:
        """True if this call raised it; False if it was up already (here, or by another
        replica of the pages: the store refuses the second writer)."""
        alarm = self.alarm(trust_id) or SafetyAlarm(trust_id)
        if not alarm.raise_alarm(loop, since, schools, providers):
            return False
        return self._saved(alarm)

    def lead_told(self, trust_id: str, lead: str, delivered: bool, detail: str) -> None:
        alarm = self.alarm(trust_id)
        if alarm is not None and alarm.needs_telling(lead):
            alarm.lead_told(lead, delivered, detail[:500])
            self._saved(alarm)

    def clear(self, trust_id: str, at: datetime) -> bool:
        alarm = self.alarm(trust_id)
        return alarm is not None and alarm.clear(at) and self._saved(alarm)

    def outages(self, trust_id: str) -> list[dict[str, Any]]:
        """Every outage of the trust's safety loop, the one now (if any) last."""
        alarm = self.alarm(trust_id)
        if alarm is None:
            return []
        return [*alarm.history, *([{**alarm.raised, "told": sorted(alarm.told)}]
                                  if alarm.raised else [])]

    def _saved(self, alarm: SafetyAlarm) -> bool:
        try:
            self.save(alarm)
        except IntegrityError:
            return False
        return True
