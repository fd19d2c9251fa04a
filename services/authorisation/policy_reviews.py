"""When each school's policy is next to be reviewed, from the text of the version it decides under,
and whether that review is overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.authorisation.domain.pack_versions import PackVersions, first_version
from services.authorisation.domain.school import SchoolPolicy
from services.authorisation.onboarding import Onboarding
from services.authorisation.pack_library import PackLibrary
from shared.contracts.errors import NotFound


class PolicyReviews(PackLibrary, Onboarding):
    """The review dates of the versions schools decide under (of the schools onboarded)."""

    def policy_status(self, school_urn: str, trust_id: str, today: date | None = None
                      ) -> dict[str, Any]:
        """The version the school decides under today, when its policy is next to be reviewed
        (from the policy's own text), and the pack's other versions."""
        today = today or datetime.now(UTC).date()
        in_force = self.in_force(school_urn, today)
        name = in_force.pack.name
        try:
            record: dict[str, Any] | None = self.version_record(name, in_force.version, trust_id)
            versions = self.pack_versions(name, trust_id)
        except NotFound:  # a store from before versions, not yet started with them
            record, versions = None, []
        policy = self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
        pack = in_force.pack
        return {**review_of(name, in_force.version, pack.title, pack.source, pack.version,
                            record, today),
                "adoptions": policy.adoptions if policy is not None else [],
                "versions": versions}

    def policy_reviews(self, trust_id: str, today: date | None = None) -> list[dict[str, Any]]:
        """Each school of the trust still open: the version it decides under today and its
        review, as `policy_status` gives them. The whole trust in one catch-up with the store,
        each pack's versions looked at once (not several loads and copies a school)."""
        today = today or datetime.now(UTC).date()
        packs: dict[str, PackVersions | None] = {}
        rows = []
        with self.caught_up():
            for school in self.schools(trust_id):
                if school.archived:
                    continue
                policy = self.find(SchoolPolicy.create_id(school.school_urn), SchoolPolicy,
                                   copy=False)
                name = (policy.pack if policy is not None else None) or self.default_pack
                if name not in packs:
                    packs[name] = self.find(PackVersions.create_id(name), PackVersions,
                                            copy=False)
                rows.append({"urn": school.school_urn, "name": school.details["name"],
                             **self._review_under(policy, name, packs[name], school.trust_id,
                                                  trust_id, today)})
        return rows

    def _review_under(self, policy: SchoolPolicy | None, name: str,
                      versions: PackVersions | None, school_trust: str, trust_id: str,
                      today: date) -> dict[str, Any]:
        """As `in_force` picks the version (the one adopted for today, else the pack's first
        published for the school's trust); its title and review from the stored version."""
        version = (policy.version_on(today) if policy is not None else None) or \
            first_version(versions, school_trust)
        stored = versions.versions.get(version) if versions is not None else None
        if stored is None:  # a store from before versions: the pack as the code ships it
            shipped = self.pack_version(name, version)
            return review_of(name, version, shipped.title, shipped.source, shipped.version,
                             None, today)
        pack = stored["pack"]
        visible = stored if stored["trust_id"] in (None, trust_id) else None
        return review_of(name, version, pack["title"], pack["source"], pack["version"], visible,
                         today)


def review_of(name: str, version: int, title: str, source: str, dated: str,
              record: dict[str, Any] | None, today: date) -> dict[str, Any]:
    """What the trust is shown of the version a school decides under."""
    due_text = record["review_due"] if record is not None else None
    due = date.fromisoformat(due_text) if due_text else None
    return {"pack": name, "version": version, "label": f"{name} v{version} ({dated})",
            "title": title, "review_due": due.isoformat() if due else None,
            "review_line": record["review_line"] if record is not None else None,
            "source": source, "review": review_state(due, today)}


def review_state(due: date | None, today: date) -> str:
    """overdue, due (within a month), or current; unknown when the text names no date."""
    if due is None:
        return "unknown"
    if due < today:
        return "overdue"
    return "due" if due <= today + timedelta(days=31) else "current"
