"""What the people who must act are shown beside an alarm: the escalation's steps, in words, and
phone numbers as links a phone can ring. Pure: no I/O.

The Home Visits Log itself comes opened from the visits service, which decides who may see it
and records each opening; the pages only lay it out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OUTCOMES = {"staff_safe": "staff safe", "contact_made": "contact made",
            "police_called": "police called"}


@dataclass(frozen=True)
class Step:
    """One thing done about an alarm, and when."""

    at: datetime | None
    text: str


def tel(number: str) -> str:
    """A number as a `tel:` link takes it: digits, with a leading + kept."""
    digits = re.sub(r"[^0-9]", "", number)
    return f"+{digits}" if number.strip().startswith("+") else digits


def steps_of(history: list[dict[str, Any]], names: Mapping[str, str] | None = None
             ) -> list[Step]:
    """An escalation's history (escalation's `/history`) as what has been tried, in order; people
    by their names on the register (`names`), by id where it has none."""
    return [Step(_time(entry.get("at")), _said(str(entry.get("event", "")), names or {},
                                               entry.get("details") or {}))
            for entry in history]


def _said(event: str, names: Mapping[str, str], details: dict[str, Any]) -> str:
    level, reason = details.get("level"), details.get("reason") or ""
    person = names.get(str(details.get("person_id", "")), details.get("person_id", ""))
    if event in ("Raised", "Climbed"):
        told = ", ".join(names.get(str(c.get("person_id")), str(c.get("person_id")))
                         for c in details.get("contacts") or []
                         if isinstance(c, dict)) or "nobody reachable"
        start = "Raised at level" if event == "Raised" else "Climbed to level"
        return f"{start} {level}: {reason}. Told {told}."
    if event == "Unreachable":
        return f"{person} could not be reached at level {level}."
    if event == "Acknowledged":
        return f"{person} ({str(details.get('role', '')).replace('_', ' ')}) is dealing with it."
    if event == "Resolved":
        outcome = details.get("outcome")
        return f"Resolved by {person}: {OUTCOMES.get(str(outcome), outcome)}."
    return event


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
