"""A policy pack's life as versions: drafted, published, retired. Pure.

One aggregate per pack name. Each version holds the pack whole (what it extends merged in), so a
decision made under it explains itself the same way for ever, whatever the pack files become.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.authorisation.domain import Meta

DRAFTED, PUBLISHED, RETIRED = "drafted", "published", "retired"


class PackVersions(Aggregate):
    """Every version of one policy pack (by name) and where each is in its life."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:policy-pack:{name}")

    @event("Opened")
    def __init__(self, name: str, meta: Meta) -> None:
        self.name = name
        self.versions: dict[int, dict[str, Any]] = {}

    @event("Drafted")
    def draft(self, version: int, trust_id: str | None, pack: dict[str, Any], content: str,
              source: str, policy_text: str, review_due: str | None, review_line: int | None,
              drafted_by: str, drafted_at: str, meta: Meta) -> None:
        """`trust_id` None: a pack the deployment ships, seen by every trust."""
        self.versions[version] = {
            "version": version, "trust_id": trust_id, "pack": pack, "content": content,
            "source": source, "policy_text": policy_text, "review_due": review_due,
            "review_line": review_line, "drafted_by": drafted_by, "drafted_at": drafted_at,
            "status": DRAFTED}

    @event("Published")
    def publish(self, version: int, by: str, at: str, meta: Meta) -> None:
        self.versions[version].update(status=PUBLISHED, published_by=by, published_at=at)

    @event("Retired")
    def retire(self, version: int, by: str, at: str, meta: Meta) -> None:
        self.versions[version].update(status=RETIRED, retired_by=by, retired_at=at)

    def next_version(self) -> int:
        return max(self.versions, default=0) + 1

    def seen_by(self, trust_id: str) -> list[dict[str, Any]]:
        """The versions one trust may see: the deployment's and its own, oldest first."""
        return [v for _, v in sorted(self.versions.items())
                if v["trust_id"] in (None, trust_id)]

    def first_published(self, trust_id: str) -> dict[str, Any] | None:
        return next((v for v in self.seen_by(trust_id) if v["status"] == PUBLISHED), None)


def first_version(versions: PackVersions | None, trust_id: str) -> int:
    """The version a school of `trust_id` decides under when it has adopted none: its pack's
    first published for the trust; 1 in a store from before versions."""
    first = versions.first_published(trust_id) if versions is not None else None
    return int(first["version"]) if first is not None else 1


@dataclass(frozen=True)
class ReviewDue:
    """When the policy text says it is next to be reviewed, and on which line it says so."""

    due: date
    line: int
    words: str


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_NEXT_REVIEW = re.compile(r"next\s+review(?:\s+date)?\s*:?\s*(?P<when>.+)", re.IGNORECASE)
_REVIEW_DATE = re.compile(r"^(?:review\s+date|date\s+of\s+policy\s+review)\s*:?\s*(?P<when>.+)",
                          re.IGNORECASE)
_MONTH_YEAR = re.compile(r"(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{2,4})")


def review_due(text: str) -> ReviewDue | None:
    """The next review the text names ("Next review: November 2026", "Review Date: January 2027",
    "Date of policy review 21/07/26"); a month alone falls due at its end."""
    lines = text.splitlines()
    for pattern in (_NEXT_REVIEW, _REVIEW_DATE):
        for number, line in enumerate(lines, start=1):
            found = pattern.search(line.strip())
            when = _when(found.group("when")) if found else None
            if when is not None:
                return ReviewDue(when, number, line.strip())
    return None


def _when(words: str) -> date | None:
    if found := _DAY_MONTH_YEAR.search(words):
        year = int(found["y"]) + (2000 if len(found["y"]) == 2 else 0)
        try:
            return date(year, int(found["m"]), int(found["d"]))
        except ValueError:
            return None
    if (found := _MONTH_YEAR.search(words)) and found["month"].lower() in _MONTHS:
        year, month = int(found["year"]), _MONTHS[found["month"].lower()]
        return date(year, month, calendar.monthrange(year, month)[1])
    return None


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def quote_problems(pack: dict[str, Any], texts: dict[str, str]) -> list[tuple[str, str]]:
    """(field, problem) for each rule whose quoted words are not on the line it cites."""
    problems = []
    for rule, body in (pack.get("rules") or {}).items():
        citation = (body or {}).get("citation") if isinstance(body, dict) else None
        if not isinstance(citation, dict):
            continue
        where = f"rules.{rule}.citation"
        policy, line, quote = citation.get("policy"), citation.get("line"), citation.get("quote")
        if policy not in texts:
            problems.append((f"{where}.policy", f"no policy text named {policy!r} was uploaded "
                             f"or is known ({', '.join(sorted(texts))})"))
            continue
        lines = texts[str(policy)].splitlines()
        if not isinstance(line, int) or not 1 <= line <= len(lines):
            problems.append((f"{where}.line", f"{policy} has no line {line} "
                             f"(it has {len(lines)})"))
        elif not isinstance(quote, str) or squash(quote) not in squash(lines[line - 1]):
            problems.append((f"{where}.quote", f"{quote!r} is not on line {line} of {policy}, "
                             f"which reads: {lines[line - 1].strip()[:160]!r}"))
    return problems
