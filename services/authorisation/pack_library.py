"""Policy packs as versioned data: drafted from an upload, published, retired; adopted by a school
from a date; the version in force on a day. The packs the code ships become version 1 of each at
first start."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from uuid import uuid4

from services.authorisation.domain.directory import School
from services.authorisation.domain.pack_versions import (
    DRAFTED,
    PUBLISHED,
    RETIRED,
    PackVersions,
    first_version,
    quote_problems,
    review_due,
)
from services.authorisation.domain.policy import PolicyPack
from services.authorisation.domain.school import SchoolPolicy
from services.authorisation.packs import PACKS_DIR, PolicyError, Problem, parse, validate, with_lines
from services.authorisation.schools import SchoolRecords, school_meta
from shared.contracts import Actor
from shared.contracts.errors import Conflict, Invalid, NotFound
from shared.contracts.meta import command_meta
from shared.storage.commands import serialised

SOURCES = PACKS_DIR / "sources"


@dataclass(frozen=True)
class InForce:
    """A school's pack as it applies on a day, and the stored version it comes from."""

    pack: PolicyPack
    version: int

    @property
    def label(self) -> str:
        return f"{self.pack.name} v{self.version} ({self.pack.version})"


class PackLibrary(SchoolRecords):
    """The versions of every pack, on the authorisation store."""

    # -- first start ---------------------------------------------------------------------------
    def seed_code_packs(self, actor: Actor) -> list[str]:
        """Each pack of the code with no stored version becomes version 1, published; once,
        however many replicas start at once."""
        return [name for name in sorted(self.catalogue.packs) if self._seed(name, actor)]

    @serialised(by="name")
    def _seed(self, name: str, actor: Actor) -> bool:
        if self.find(PackVersions.create_id(name), PackVersions) is not None:
            return False
        pack = self.catalogue.packs[name]
        file, _ = self.catalogue.raw[name]
        text = (PACKS_DIR / file).read_text() if (PACKS_DIR / file).exists() else ""
        source = SOURCES / pack.source
        policy_text = source.read_text() if source.exists() else ""
        meta = _meta(None, actor)
        versions = PackVersions(name=name, meta=meta)
        # its policy text ships with the code (packs/sources): only its review date is stored
        self._draft_into(versions, 1, None, pack, text, policy_text, actor, meta, keep_text=False)
        versions.publish(version=1, by=actor.id, at=_now(), meta=meta)
        self.save(versions)
        return True

    # -- a trust's or a school's upload ------------------------------------------------------
    def draft_pack(self, filename: str, content: str, policy_text: str, actor: Actor,
                   trust_id: str) -> dict[str, Any]:
        """Validate the file and its quotes whole; store it as the pack's next version, drafted."""
        pack = self.check_upload(filename, content, policy_text)
        return self._store_draft(pack.name, pack, content, policy_text, actor, trust_id)

    def check_upload(self, filename: str, content: str, policy_text: str) -> PolicyPack:
        """The pack, valid and every quote of its own rules found where it says; or every
        problem, each naming its line in the file."""
        try:
            pack = self.catalogue.check(content, filename)
        except PolicyError as error:
            raise Invalid(f"{filename} is not a valid policy pack: nothing was stored",
                          details=[str(p) for p in error.problems]) from None
        texts = self._known_texts()
        if policy_text.strip():
            texts[pack.source] = policy_text
        problems = [Problem(filename, field, problem)
                    for field, problem in quote_problems(parse(content, filename), texts)]
        if problems:
            raise Invalid(f"{filename} quotes words its policy does not say: nothing was stored",
                          details=[str(p) for p in with_lines(problems, content)])
        return pack

    @serialised(by="name")
    def _store_draft(self, name: str, pack: PolicyPack, content: str, policy_text: str,
                     actor: Actor, trust_id: str) -> dict[str, Any]:
        meta = _meta(trust_id, actor)
        versions = self.find(PackVersions.create_id(name), PackVersions)
        if versions is None:
            versions = PackVersions(name=name, meta=meta)
        elif not versions.seen_by(trust_id):
            raise Conflict(f"the pack name {name!r} is taken by another trust: choose another")
        number = versions.next_version()
        self._draft_into(versions, number, trust_id, pack, content, policy_text, actor, meta)
        self.save(versions)
        return version_view(name, versions.versions[number])

    def _draft_into(self, versions: PackVersions, number: int, trust_id: str | None,
                    pack: PolicyPack, content: str, policy_text: str, actor: Actor,
                    meta: dict[str, str], keep_text: bool = True) -> None:
        due = review_due(policy_text) if policy_text else None
        versions.draft(version=number, trust_id=trust_id,
                       pack=pack.model_dump(mode="json", exclude_none=True), content=content,
                       source=pack.source, policy_text=policy_text if keep_text else "",
                       review_due=due.due.isoformat() if due else None,
                       review_line=due.line if due else None, drafted_by=actor.id,
                       drafted_at=_now(), meta=meta)

    def _known_texts(self) -> dict[str, str]:
        return {path.name: path.read_text() for path in SOURCES.glob("*.txt")}

    # -- life of a version -------------------------------------------------------------------
    @serialised(by="name")
    def publish_version(self, name: str, version: int, actor: Actor, trust_id: str
                        ) -> dict[str, Any]:
        versions, found = self._version(name, version, trust_id)
        if found["status"] == RETIRED:
            raise Conflict(f"{name} v{version} was retired; upload it again as a new version")
        if found["status"] == DRAFTED:
            versions.publish(version=version, by=actor.id, at=_now(), meta=_meta(trust_id, actor))
            self.save(versions)
        return version_view(name, versions.versions[version])

    @serialised(by="name")
    def retire_version(self, name: str, version: int, actor: Actor, trust_id: str
                       ) -> dict[str, Any]:
        versions, found = self._version(name, version, trust_id)
        if found["trust_id"] is None:
            raise Conflict(f"{name} v{version} ships with Doorstep; publish a new version of the "
                           "pack instead of retiring it")
        if found["status"] != RETIRED:
            versions.retire(version=version, by=actor.id, at=_now(), meta=_meta(trust_id, actor))
            self.save(versions)
        return version_view(name, versions.versions[version])

    def pack_versions(self, name: str, trust_id: str) -> list[dict[str, Any]]:
        versions = self.find(PackVersions.create_id(name), PackVersions)
        seen = versions.seen_by(trust_id) if versions is not None else []
        if not seen:
            raise NotFound(f"no policy pack named {name!r}")
        return [version_view(name, v) for v in seen]

    def version_record(self, name: str, version: int, trust_id: str) -> dict[str, Any]:
        return self._version(name, version, trust_id)[1]

    def _version(self, name: str, version: int, trust_id: str
                 ) -> tuple[PackVersions, dict[str, Any]]:
        versions = self.find(PackVersions.create_id(name), PackVersions)
        found = versions.versions.get(version) if versions is not None else None
        if versions is None or found is None or found["trust_id"] not in (None, trust_id):
            raise NotFound(f"policy pack {name!r} has no version {version}")
        return versions, found

    def pack_version(self, name: str, version: int) -> PolicyPack:
        versions = self.find(PackVersions.create_id(name), PackVersions)
        found = versions.versions.get(version) if versions is not None else None
        if found is None:
            if version == 1 and name in self.catalogue.packs:  # a store from before versions
                return self.catalogue.packs[name]
            raise NotFound(f"policy pack {name!r} has no version {version}")
        return _validated(name, version, _frozen(found["pack"]))

    def explain(self, case: Any) -> dict[str, Any] | None:
        """The version a decision was made under, and each rule of it with its citation: a past
        decision explains itself under its own version, not today's."""
        under = getattr(case, "decided_under", None)
        if case.decision is None or under is None:
            return None
        pack = self.pack_version(under["pack"], int(under["version"]))
        broken = {rule["rule"] for rule in case.broken_rules}
        return {**under, "rules": [
            {"rule": name, "broken": name in broken,
             "citation": getattr(pack.rules, name).citation.cite()}
            for name in pack.rule_names()]}

    # -- schools -----------------------------------------------------------------------------
    @serialised(by="school_urn")
    def adopt(self, school_urn: str, name: str, version: int, from_date: date, actor: Actor,
              trust_id: str) -> InForce:
        """From `from_date` the school decides under this published version of its pack."""
        _, found = self._version(name, version, trust_id)
        if found["status"] != PUBLISHED:
            raise Conflict(f"{name} v{version} is {found['status']}: only a published version "
                           "can be adopted")
        policy = (self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
                  or SchoolPolicy(school_urn=school_urn, meta=school_meta(trust_id, school_urn,
                                                                           actor)))
        assigned = policy.pack or self.default_pack
        if assigned != name:
            raise Conflict(f"school {school_urn} follows {assigned!r}, not {name!r}: assign the "
                           "pack to the school first (PUT /v1/schools/{urn}/policy)")
        if policy.pack is None:
            policy.assign(pack=name, overrides={}, meta=school_meta(trust_id, school_urn, actor))
        self._effective(name, version, policy.overrides, school_urn)
        policy.adopt(pack=name, version=version, from_date=from_date.isoformat(),
                     adopted_by=actor.id, meta=school_meta(trust_id, school_urn, actor))
        self.save(policy)
        return self.in_force(school_urn, from_date)

    def in_force(self, school_urn: str, day: date | None = None) -> InForce:
        """The school's pack as it applies on `day` (today): the version adopted for that day,
        else the first published version of its pack, with the school's overrides."""
        day = day or datetime.now(UTC).date()
        policy = self.find(SchoolPolicy.create_id(school_urn), SchoolPolicy)
        name = (policy.pack if policy is not None else None) or self.default_pack
        version = (policy.version_on(day) if policy is not None else None) or \
            self._first_version(name, school_urn)
        overrides = policy.overrides if policy is not None else {}
        return InForce(self._effective(name, version, overrides, school_urn), version)

    def assignable(self, name: str, overrides: dict[str, Any], school_urn: str, trust_id: str
                   ) -> PolicyPack:
        """A stored pack (an upload's too) may be assigned: checked under its first version."""
        versions = self.find(PackVersions.create_id(name), PackVersions)
        first = versions.first_published(trust_id) if versions is not None else None
        if first is None:
            return super().assignable(name, overrides, school_urn, trust_id)
        base = self.pack_version(name, int(first["version"]))
        if not overrides:
            return base
        return self.catalogue.apply_overrides(base.model_dump(mode="json", exclude_none=True),
                                              overrides, school_urn)

    def pack_for(self, school_urn: str) -> PolicyPack:
        return self.in_force(school_urn).pack

    def _first_version(self, name: str, school_urn: str) -> int:
        versions = self.find(PackVersions.create_id(name), PackVersions)
        school = self.find(School.create_id(school_urn), School)
        return first_version(versions, school.trust_id if school is not None else "")

    def _effective(self, name: str, version: int, overrides: dict[str, Any], school_urn: str
                   ) -> PolicyPack:
        base = self.pack_version(name, version)
        if not overrides:
            return base
        try:
            return self.catalogue.apply_overrides(
                base.model_dump(mode="json", exclude_none=True), overrides, school_urn)
        except PolicyError as error:
            raise Conflict(f"school {school_urn}'s overrides do not apply to {name} v{version}",
                           details=[str(p) for p in error.problems]) from None


def version_view(name: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "version": record["version"], "status": record["status"],
            "title": record["pack"].get("title"), "dated": record["pack"].get("version"),
            "source": record["source"], "review_due": record["review_due"],
            "review_line": record["review_line"], "drafted_by": record["drafted_by"],
            "drafted_at": record["drafted_at"], "published_at": record.get("published_at"),
            "retired_at": record.get("retired_at"),
            "shipped_with_doorstep": record["trust_id"] is None,
            "rules": [rule for rule, body in record["pack"]["rules"].items() if body is not None]}


def _frozen(pack: dict[str, Any]) -> str:
    """A version's stored pack as a cache key (a version never changes once drafted)."""
    return json.dumps(pack, sort_keys=True)


@lru_cache(maxsize=256)
def _validated(name: str, version: int, pack_json: str) -> PolicyPack:
    return validate(json.loads(pack_json), f"{name} v{version}")


def _meta(trust_id: str | None, actor: Actor) -> dict[str, str]:
    return command_meta(trust_id=trust_id or "", school_urn="", actor=actor,
                        correlation_id=uuid4(), causation_id=None)


def _now() -> str:
    return datetime.now(UTC).isoformat()
