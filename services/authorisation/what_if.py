"""What-if: a school's (or the trust's) recorded decisions for a period, judged again under a
draft version of their pack. It reads the stored events (the store's notification log) and
writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from eventsourcing.utils import get_topic

from services.authorisation.domain import VisitCase
from services.authorisation.domain.policy import PolicyPack, Rule
from services.authorisation.domain.replay import (
    Difference,
    Recorded,
    judge_again,
    unchanged_rules,
)
from services.authorisation.domain.rules import Check, pack_checks
from services.authorisation.domain.school import SchoolPolicy
from services.authorisation.pack_library import PackLibrary
from shared.contracts.errors import DoorstepError, Invalid

OUTCOMES = {"Authorised": "authorised", "Declined": "declined", "Refused": "refused"}
TOPICS = [get_topic(getattr(VisitCase, name)) for name in OUTCOMES]
PAGE = 1000
Judge = tuple[PolicyPack, list[tuple[str, Check, Rule]], frozenset[str]]


@dataclass
class WhatIfReport:
    pack: str
    version: int
    school_urn: str | None
    period: tuple[date, date]
    replayed: int = 0
    without_facts: int = 0  # decided before decisions kept their facts
    changed: list[Difference] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "version": self.version, "school_urn": self.school_urn,
                "from": self.period[0].isoformat(), "to": self.period[1].isoformat(),
                "replayed": self.replayed, "without_facts": self.without_facts,
                "would_change": len(self.changed),
                "changed": [d.as_dict() for d in self.changed]}


class WhatIf(PackLibrary):
    """Replays recorded decisions under a version of their pack; read-only."""

    def what_if(self, name: str, version: int, trust_id: str, start: date, end: date,
                school_urn: str | None = None) -> WhatIfReport:
        if end < start:
            raise Invalid(f"the period runs backwards: {start} is after {end}")
        if (end - start).days > 3660:
            raise Invalid("a what-if covers at most ten years; give a shorter period")
        self.version_record(name, version, trust_id)  # 404 for a version this trust cannot see
        report = WhatIfReport(name, version, school_urn, (start, end))
        judges: dict[tuple[str, int], Judge] = {}
        for decision in self.recorded_decisions(trust_id, start, end, school_urn):
            if decision.pack != name:
                continue
            if not decision.facts:
                report.without_facts += 1
                continue
            report.replayed += 1
            key = (decision.school_urn, decision.version)
            if key not in judges:
                judges[key] = self._judge(name, version, decision)
            difference = judge_again(decision, *judges[key])
            if difference is not None:
                report.changed.append(difference)
        return report

    def recorded_decisions(self, trust_id: str, start: date, end: date,
                           school_urn: str | None = None) -> Iterator[Recorded]:
        """Every decision, decline and refusal stored in the period, oldest first."""
        since = datetime.combine(start, time.min, UTC)
        until = datetime.combine(end + timedelta(days=1), time.min, UTC)
        position: int | None = None
        while True:
            page = self.recorder.select_notifications(position, PAGE, topics=TOPICS,
                                                      inclusive_of_start=position is None)
            for notification in page:
                event: Any = self.mapper.to_domain_event(notification)
                meta = event.meta
                if meta.get("trust_id") != trust_id or \
                        (school_urn is not None and meta.get("school_urn") != school_urn):
                    continue
                if not since <= event.timestamp < until:
                    continue
                yield recorded(event, meta)
            if len(page) < PAGE:
                return
            position = page[-1].id

    def _judge(self, name: str, version: int, decision: Recorded) -> Judge:
        """The draft as the decision's school would follow it (with its own overrides), the
        rules it changes from the version the decision was made under, and those it keeps."""
        policy = self.find(SchoolPolicy.create_id(decision.school_urn), SchoolPolicy)
        overrides = policy.overrides if policy is not None and policy.pack == name else {}
        draft = self._effective(name, version, overrides, decision.school_urn)
        try:
            recorded = self._effective(name, decision.version, overrides, decision.school_urn)
        except DoorstepError:  # the version it was made under no longer applies: judge all
            recorded = None
        unchanged = unchanged_rules(recorded, draft) if recorded is not None else frozenset()
        return draft, [c for c in pack_checks(draft) if c[0] not in unchanged], unchanged


def recorded(event: Any, meta: dict[str, str]) -> Recorded:
    outcome = OUTCOMES[type(event).__name__]
    label = event.policy_pack
    return Recorded(
        visit_id=str(event.originator_id), school_urn=meta["school_urn"],
        decided_at=event.timestamp.isoformat(), outcome=outcome,
        pack=getattr(event, "pack_name", "") or label.split("@")[0],
        version=getattr(event, "pack_version", 0) or 1,
        broken=tuple(rule["rule"] for rule in event.broken_rules) if outcome != "authorised"
        else (), facts=getattr(event, "facts", None) or {})
