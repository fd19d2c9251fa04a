"""The staff register's people: names, job titles and mobiles sealed under each person's key.

A base of the authorisation application, over the school records. What is stored and published
is sealed (`staff:<staff_id>` in the key store); only the answers to the roles the access policy
allows open it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from services.authorisation.commands import StaffMemberIn
from services.authorisation.domain import Meta
from services.authorisation.domain.entries import DOCUMENTS, SCHOOL_ROLES, StaffEntry, folded
from services.authorisation.domain.school import StaffRegister
from services.authorisation.integration import translate
from services.authorisation.schools import SchoolRecords, school_meta
from shared.contracts import Actor
from shared.contracts.authorisation import StaffRolesChanged
from shared.contracts.errors import NotFound
from shared.security.register import StaffRegisters
from shared.storage.commands import serialised
from shared.storage.keystore import DataSubject
from shared.storage.sealing import SHREDDED, Sealer

SAVE_EVENTS = 500  # events a save holds at most (TECH-NOTES: keep batches at or under ~1,000)


class StaffRecords(SchoolRecords):
    """Each school's staff register, with the people on it named."""

    def __init__(self, env: dict[str, str] | None = None, *, sealer: Sealer,
                 **records: Any) -> None:
        super().__init__(env=env, **records)
        self.sealer = sealer
        # the process's register (the access policy's): this service keeps the register, so it
        # takes its own changes as they are stored, not only when they come back from the stream
        self.registers: StaffRegisters | None = None

    def stored(self, recordings: list[Any]) -> None:
        super().stored(recordings)
        if self.registers is None:
            return
        for recording in recordings:
            if type(recording.domain_event).__qualname__.startswith("StaffRegister."):
                for change in translate(recording.domain_event):
                    if isinstance(change, StaffRolesChanged):
                        self.registers.apply(change)

    def register(self, school_urn: str) -> StaffRegister | None:
        found: StaffRegister | None = self.find(StaffRegister.create_id(school_urn), StaffRegister)
        return found

    def staff(self, school_urn: str) -> dict[str, StaffEntry]:
        """Everyone on the register, opened, by staff id."""
        register = self.register(school_urn)
        members = register.members.values() if register else []
        return {m["staff_id"]: self._opened_member(m) for m in members}

    def colleagues(self, school_urn: str) -> list[StaffEntry]:
        """Everyone on the register by name (a person whose key is destroyed goes unnamed)."""
        people = [replace(e, name=_kept(e.name), job_title=_kept(e.job_title))
                  for e in self.staff(school_urn).values()]
        return sorted(people, key=lambda e: (e.name is None, folded(e.name or ""), e.staff_id))

    @serialised(by="school_urn")
    def record_staff_member(self, school_urn: str, staff_id: str, body: StaffMemberIn,
                            actor: Actor, trust_id: str) -> StaffRegister:
        """Add or replace one member; a body with roles alone (as before names) still works."""
        entry = StaffEntry(staff_id=staff_id, name=body.name, job_title=body.job_title,
                           mobile=body.mobile, roles=tuple(str(r) for r in body.roles),
                           documents=tuple((d, v.isoformat()) for d, v in
                                           body.documents.model_dump().items() if v))
        return self.write_staff(school_urn, [entry], [], trust_id,
                                school_meta(trust_id, school_urn, actor))

    @serialised(by="school_urn")
    def remove_staff_member(self, school_urn: str, staff_id: str, actor: Actor, trust_id: str
                            ) -> StaffRegister:
        """A leaver: off the register, and so refused by every service from the change on."""
        register = self.register(school_urn)
        if register is None or staff_id not in register.members:
            raise NotFound(f"{staff_id} is not on school {school_urn}'s staff register")
        return self.write_staff(school_urn, [], [staff_id], trust_id,
                                school_meta(trust_id, school_urn, actor))

    def write_staff(self, school_urn: str, entries: list[StaffEntry], leavers: list[str],
                    trust_id: str, meta: Meta) -> StaffRegister:
        """Seal and store each entry and take the leavers off, a bounded batch a save."""
        steps: list[StaffEntry | str] = [*entries, *leavers]
        register = self._register_for(school_urn, meta)
        for start in range(0, len(steps), SAVE_EVENTS):
            register = self._register_for(school_urn, meta)
            self.sealer.prepare(DataSubject(trust_id, "staff", step.staff_id)
                                for step in steps[start:start + SAVE_EVENTS]
                                if not isinstance(step, str))
            for step in steps[start:start + SAVE_EVENTS]:
                if isinstance(step, str):
                    register.remove_member(staff_id=step, meta=meta)
                    continue
                subject = DataSubject(trust_id, "staff", step.staff_id)
                sealed = {k: self.sealer.seal_optional(subject, v)
                          for k, v in step.personal().items()}
                register.record_person(staff_id=step.staff_id, roles=list(step.roles or ("staff",)),
                                       documents=dict(step.documents), meta=meta, **sealed)
            self.save(register)
        return register

    def _register_for(self, school_urn: str, meta: Meta) -> StaffRegister:
        return self.register(school_urn) or StaffRegister(school_urn=school_urn, meta=meta)

    def _opened_member(self, member: dict[str, Any]) -> StaffEntry:
        def opened(name: str) -> str | None:
            value = member.get(name)
            return self.sealer.unseal(value) if value else None

        documents = member.get("documents") or {}
        return StaffEntry(staff_id=member["staff_id"], name=opened("name"),
                          job_title=opened("job_title"), mobile=opened("mobile"),
                          roles=tuple(r for r in SCHOOL_ROLES if r in member["roles"]),
                          documents=tuple((d, documents[d]) for d in DOCUMENTS if d in documents))


def staff_view(entry: StaffEntry) -> dict[str, Any]:
    """One member as the register's readers see them, opened."""
    return {"staff_id": entry.staff_id, "name": entry.name, "job_title": entry.job_title,
            "mobile": entry.mobile, "roles": list(entry.roles or ()),
            "documents": dict(entry.documents)}


def _kept(opened: str | None) -> str | None:
    return None if opened == SHREDDED else opened


def colleague_view(entry: StaffEntry) -> dict[str, Any]:
    """One member as their colleagues see them: no mobile, no documents."""
    return {"staff_id": entry.staff_id, "name": entry.name, "job_title": entry.job_title,
            "roles": list(entry.roles or ())}
