"""Use cases of the contact directories: each school's and trust's contacts, and its ladder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from services.escalation.domain import ContactDirectory, Escalation, Watch
from services.escalation.domain.ladder import Contact, contacts_for, ladder_gaps
from shared.contracts.meta import Meta
from shared.security.register import StaffRegisters
from shared.storage.commands import serialised
from shared.storage.groupcommit import GroupCommitted


class ContactDirectories(GroupCommitted):
    """Who each school's ladder can reach; the escalation application extends it.

    A school's contacts are people on its staff register: one set without a phone of its own is
    reached on the mobile the register holds (sealed, opened only to send), and a leaver is
    nobody's contact from the moment the register says so."""

    registers: StaffRegisters | None = None  # this process's register follower, once it runs

    @serialised(by="school_urn")
    def set_directory(self, school_urn: str, contacts: list[Contact], meta: Meta) -> None:
        directory = (self.find(ContactDirectory.create_id(school_urn), ContactDirectory)
                     or ContactDirectory(school_urn, meta))
        directory.replace(contacts, meta)
        trust = meta["trust_id"]
        if school_urn == trust_directory(trust):  # the trust's leads: every school's ladder
            schools = [self.find(ContactDirectory.create_id(urn), ContactDirectory)
                       for urn in self.schools_with_contacts(trust)]
            changed = [directory, *self._recheck(trust, [s for s in schools if s], meta)]
        else:
            changed = [directory, *self._recheck(trust, [directory], meta)]
        changed = list({a.id: a for a in changed if a.pending_events}.values())
        if changed:
            self.save(*changed)

    def _recheck(self, trust: str, directories: list[ContactDirectory], meta: Meta
                 ) -> list[ContactDirectory]:
        leads = self.trust_leads(trust)
        for directory in directories:
            school = directory.school_urn
            contacts = directory.contacts if school.startswith("trust:") else \
                self.from_register(school, directory.contacts) + leads
            directory.check_ladder(ladder_gaps(contacts),
                                   {**meta, "school_urn": directory.school_urn})
        return directories

    def schools_with_contacts(self, trust_id: str) -> list[str]:
        """The trust's schools that have set escalation contacts (never another trust's)."""
        topic = get_topic(ContactDirectory.Created)  # type: ignore[attr-defined]
        created = self.recorder.select_notifications(start=None, limit=100_000, topics=[topic])
        opened: list[Any] = [self.mapper.to_domain_event(n) for n in created]
        return sorted({e.school_urn for e in opened if e.meta.get("trust_id") == trust_id
                       and not e.school_urn.startswith("trust:")})

    def directory(self, school_urn: str) -> list[Contact]:
        found = self.find(ContactDirectory.create_id(school_urn), ContactDirectory, copy=False)
        return list(found.contacts) if found else []

    def trust_leads(self, trust_id: str) -> list[Contact]:
        """The trust's safety leads: told at level 4 for every school of the trust."""
        return self.directory(trust_directory(trust_id))

    def set_trust_leads(self, trust_id: str, contacts: list[Contact], meta: Meta) -> None:
        self.set_directory(trust_directory(trust_id), contacts, meta)

    def ladder_contacts(self, trust_id: str, school_urn: str) -> list[Contact]:
        """Everyone a school's ladder can reach: its own contacts, then the trust's safety leads
        (FallbackToEverySafetyLead: level 4 always includes them)."""
        return self.from_register(school_urn, self.directory(school_urn)) + \
            self.trust_leads(trust_id)

    def from_register(self, school_urn: str, contacts: list[Contact]) -> list[Contact]:
        """The school's contacts as its staff register has them now (no register kept: as set)."""
        registers = self.registers
        if registers is None or not registers.schools.get(school_urn):
            return list(contacts)
        kept = []
        for contact in contacts:
            person = registers.person(school_urn, contact["person_id"])
            if person is None:
                continue  # left the school: reached no more
            if not contact.get("phone") and person.mobile:
                contact = {**contact, "phone": person.mobile}
            kept.append(contact)
        return kept

    @serialised(by="school_urn")
    def recheck_school(self, school_urn: str, meta: Meta) -> bool:
        """After the school's register changed: is its ladder still whole? True if that changed."""
        directory = self.find(ContactDirectory.create_id(school_urn), ContactDirectory)
        if directory is None:
            return False
        self._recheck(meta["trust_id"], [directory], meta)
        if directory.pending_events:
            self.save(directory)
        return bool(directory.pending_events)

    def _contacts(self, escalation: Escalation, watch: Watch | None
                  ) -> Callable[[int], list[Contact]]:
        """Who an escalation tells at each level."""
        directory = self.ladder_contacts(escalation.trust_id, escalation.school_urn)
        buddy = watch.buddy if watch else None

        def for_level(level: int) -> list[Contact]:
            return contacts_for(level, buddy=buddy, directory=directory,
                                on_visit=set(escalation.on_visit),
                                duress=escalation.trigger == "duress")
        return for_level

    # --- queries ---

    def ladders(self, trust_id: str, schools: list[str] | None) -> list[dict[str, Any]]:
        """Each school's ladder, complete or not (and what it lacks). `schools`: the trust's
        schools; None when no schools file names them: then every school with a directory."""
        if schools is None:
            schools = self.schools_with_contacts(trust_id)
        report = []
        for school in schools:
            gaps = ladder_gaps(self.ladder_contacts(trust_id, school))
            report.append({"school_urn": school, "complete": not gaps, "missing": gaps})
        return report


def trust_directory(trust_id: str) -> str:
    """The key of a trust's own directory (its safety leads) beside its schools' URNs."""
    return f"trust:{trust_id}"
