"""When each school's policy is next to be reviewed, from the text of the version it decides under,
and whether that review is overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.authorisation.domain.school import SchoolPolicy
from services.authorisation.pack_library import PackLibrary
from shared.contracts.errors import NotFound


class PolicyReviews(PackLibrary):
    """The review dates of the versions schools decide under."""

    def policy_status(self, school_urn: str, trust_id: str, today: date | None = None
                      ) -> dict[str, Any]:
        """The version the school decides under today, when its policy is next to be reviewed
        (from the policy's own text), and the pack's other versions."""
        today = today or datetime.now(UTC).date()
        in_force = self.in_force(school_urn, today)
        name = in_force.pack.name
        try:
            record = self.version_record(name, in_force.version, trust_id)
            versions = self.pack_versions(name, trust_id)
        except NotFound:  # a store from before versions, not yet started with them
            record, versions = {"review_due": None, "review_line": None}, []
        policy = self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
        due = date.fromisoformat(record["review_due"]) if record["review_due"] else None
        return {"pack": name, "version": in_force.version, "label": in_force.label,
                "title": in_force.pack.title, "review_due": due.isoformat() if due else None,
                "review_line": record["review_line"], "source": in_force.pack.source,
                "review": review_state(due, today),
                "adoptions": policy.adoptions if policy is not None else [],
                "versions": versions}


def review_state(due: date | None, today: date) -> str:
    """overdue, due (within a month), or current; unknown when the text names no date."""
    if due is None:
        return "unknown"
    if due < today:
        return "overdue"
    return "due" if due <= today + timedelta(days=31) else "current"
