"""Facts for the rule scenarios: a visit that breaks nothing, changed one way per story."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.authorisation.domain.household import AssessmentFacts
from services.authorisation.domain.policy import PolicyPack
from services.authorisation.domain.rules import Facts
from services.authorisation.packs import Catalogue

CATALOGUE = Catalogue.load()
LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 3, 4)  # a Wednesday in term, GMT


def pack(name: str) -> PolicyPack:
    return CATALOGUE.packs[name]


def assessment(kind: str = "full", score: int = 3, signed: tuple[str, ...] = ("slt",),
               further: bool = False) -> AssessmentFacts:
    band = "low" if score <= 4 else "medium" if score <= 9 else "high" if score <= 16 else "very_high"
    return AssessmentFacts("a-1", kind, score, band, DAY + timedelta(days=300),
                           datetime(2026, 1, 5, tzinfo=UTC), signed, further)


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00").replace(tzinfo=LONDON)


VALID = {"licence": DAY + timedelta(days=90), "mot": DAY + timedelta(days=90),
         "business_insurance": DAY + timedelta(days=90)}


def facts(**changes: Any) -> Facts:
    """A later visit by two staff, in school hours, on a current full low-risk assessment."""
    base = Facts(staff_ids=["s1", "s2"], authoriser_id="dsl-1", authoriser_role="dsl",
                 visit_date=DAY, planned_start=at("10:00"), planned_end=at("11:00"),
                 first_visit=False, assessment=assessment(),
                 documents={"s1": dict(VALID), "s2": dict(VALID)})
    return dataclasses.replace(base, **changes)


LONE = {"staff_ids": ["s1"], "lone_visit_approved": True}
FIRST_VISIT_NO_CHECKLIST = {"first_visit": True, "assessment": None,
                            "assessment_shortfall": "no initial checklist recorded"}
STALE_FULL = {"assessment": None, "assessment_shortfall": "full assessment due for review"}


def expired(document: str) -> dict[str, Any]:
    documents = {"s1": {**VALID, document: DAY - timedelta(days=1)}, "s2": dict(VALID)}
    return {"documents": documents, "drivers": ["s1"]}
