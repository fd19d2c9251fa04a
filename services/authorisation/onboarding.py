"""Trust IT's school directory: onboard a school, change it, archive it; import a schools file
at first start. The school's pack is assigned with it, in the school's own time zone and day."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from services.authorisation.commands import SchoolDetailsIn
from services.authorisation.domain.directory import School
from services.authorisation.domain.school import SchoolPolicy
from services.authorisation.packs import PolicyError
from services.authorisation.schools import SchoolRecords, school_meta
from shared.contracts import Actor
from shared.contracts.errors import Conflict, Invalid, NotFound
from shared.storage.commands import serialised

SCHOOL_DAY_RULE = "OutOfHoursNeedsResponsibleContact"


class Onboarding(SchoolRecords):
    """The directory's use cases, on the authorisation store (which owns the schools)."""

    @serialised(by="school_urn")
    def onboard(self, school_urn: str, trust_id: str, details: SchoolDetailsIn,
                actor: Actor) -> School:
        if self.find(School.create_id(school_urn), School) is not None:
            raise Conflict(f"school {school_urn} is already registered with this deployment")
        meta = school_meta(trust_id, school_urn, actor)
        school = School(school_urn, trust_id, details.model_dump(), meta)
        self._save(school, self._policy_for(school_urn, details, meta))
        return school

    @serialised(by="school_urn")
    def change_school(self, school_urn: str, details: SchoolDetailsIn, actor: Actor) -> School:
        school = self.school(school_urn)
        meta = school_meta(school.trust_id, school_urn, actor)
        if school.change(details.model_dump(), meta):
            self._save(school, self._policy_for(school_urn, details, meta))
        return school

    @serialised(by="school_urn")
    def archive_school(self, school_urn: str, reason: str, actor: Actor) -> School:
        school = self.school(school_urn)
        school.archive(reason, school_meta(school.trust_id, school_urn, actor))
        self._save(school)
        return school

    def school(self, school_urn: str) -> School:
        found: School | None = self.find(School.create_id(school_urn), School)
        if found is None:
            raise NotFound(f"school {school_urn} has not been onboarded")
        return found

    def schools(self, trust_id: str) -> list[School]:
        """The trust's schools, read from the store (so a school just onboarded is listed); to
        look at, not to change (the cached aggregates themselves, not copies)."""
        topic = get_topic(School.Onboarded)  # type: ignore[attr-defined]
        onboarded = self.recorder.select_notifications(start=None, limit=100_000, topics=[topic])
        found = [self.find(UUID(str(n.originator_id)), School, copy=False) for n in onboarded]
        return sorted((s for s in found if s is not None and s.trust_id == trust_id),
                      key=lambda s: (s.archived, s.details["name"].casefold()))

    def import_schools(self, entries: list[dict[str, Any]], actor: Actor) -> list[str]:
        """The schools file's schools not yet onboarded (first start); each once, however often
        this runs. A URN alone is onboarded under a name that says to set one."""
        added = []
        for entry in entries:
            urn = str(entry["urn"])
            if self.find(School.create_id(urn), School) is not None:
                continue
            fields = {k: v for k, v in entry.items() if k in SchoolDetailsIn.model_fields}
            details = SchoolDetailsIn(**{"name": f"School {urn} (name to be set)", **fields})
            try:
                self.onboard(urn, str(entry["trust_id"]), details, actor)
            except Conflict:
                continue  # another replica, starting at the same moment, onboarded it first
            added.append(urn)
        return added

    def _policy_for(self, school_urn: str, details: SchoolDetailsIn, meta: dict[str, str]
                    ) -> SchoolPolicy:
        """The school's pack in its own time zone and school day, keeping its other overrides."""
        policy = (self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
                  or SchoolPolicy(school_urn=school_urn, meta=meta))
        overrides = dict(policy.overrides if policy.pack == details.policy_pack else {})
        overrides["timezone"] = details.timezone
        base = self.catalogue.packs.get(details.policy_pack)
        day = getattr(base.rules, SCHOOL_DAY_RULE, None) if base is not None else None
        if day is not None:
            rules = dict(overrides.get("rules") or {})
            rules[SCHOOL_DAY_RULE] = {**day.model_dump(mode="json", exclude_none=True),
                                      "school_day_start": details.opens,
                                      "school_day_end": details.closes}
            overrides["rules"] = rules
        try:
            self.catalogue.effective(details.policy_pack, overrides, school_urn)
        except PolicyError as error:
            raise Invalid(f"school {school_urn}'s policy pack cannot be applied",
                          details=[str(p) for p in error.problems]) from None
        policy.assign(pack=details.policy_pack, overrides=overrides, meta=meta)
        return policy
