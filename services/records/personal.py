"""Whose personal data a record holds, and sealing its free text under that subject's key.

A record about a visit belongs to the household visited (known from the visit's VisitRequested in
the trail); one with no visit belongs to the first pupil it names; failing both, to itself.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.records.trail import Trail
from shared.storage.keystore import DataSubject
from shared.storage.sealing import Sealer


def subject_of(trail: Trail, trust_id: str, visit_id: UUID | str | None,
               pupil_ids: list[str] | None, record: UUID) -> DataSubject:
    if visit_id:
        household = trail.household_of(trust_id, str(visit_id))
        if household:
            return DataSubject(trust_id, "household", household)
    if pupil_ids:
        return DataSubject(trust_id, "pupil", pupil_ids[0])
    return DataSubject(trust_id, "record", str(record))


def sealed_write_up(sealer: Sealer, subject: DataSubject, write_up: dict[str, Any]
                    ) -> dict[str, Any]:
    actions = [action | {"description": sealer.seal(subject, action["description"])}
               for action in write_up.get("actions", [])]
    return write_up | {"summary": sealer.seal(subject, write_up["summary"]), "actions": actions}


def sealed_correction(sealer: Sealer, subject: DataSubject, reason: str,
                      correction: dict[str, str]) -> tuple[str, dict[str, str]]:
    return (sealer.seal(subject, reason),
            {name: sealer.seal(subject, text) for name, text in correction.items()})
