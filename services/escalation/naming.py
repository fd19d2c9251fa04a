"""People and schools by name in what Doorstep sends: the directory's school names and the staff
register's names, as this service follows them. An id only where no name is known yet."""

from __future__ import annotations

from typing import Protocol

from shared.security.directory import SchoolDirectory
from shared.security.register import StaffRegisters
from shared.storage.sealing import SHREDDED, UNREADABLE, Sealer


class Naming(Protocol):
    def school(self, urn: str) -> str: ...

    def person(self, urn: str, staff_id: str) -> str: ...


class ByIds:
    """Before anything is known: the URN and the staff ids, as they are."""

    def school(self, urn: str) -> str:
        return f"School {urn}"

    def person(self, urn: str, staff_id: str) -> str:
        return staff_id


class Names(ByIds):
    """Schools' names from the directory, people's from the staff register (opened here, to be
    sent; a name erased with its person's key, or never given, leaves the id)."""

    def __init__(self, directory: SchoolDirectory, registers: StaffRegisters,
                 sealer: Sealer) -> None:
        self.directory = directory
        self.registers = registers
        self.sealer = sealer

    def school(self, urn: str) -> str:
        return self.directory.name_of(urn)

    def person(self, urn: str, staff_id: str) -> str:
        known = self.registers.person(urn, staff_id)
        name = self.sealer.unseal(known.name) if known and known.name else None
        return name if name and name not in (SHREDDED, UNREADABLE) else staff_id


def listed(names: list[str]) -> str:
    """'Sam Patel', 'Sam Patel and Ana Wood', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
