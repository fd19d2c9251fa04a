"""People and schools by name in what Doorstep sends: the directory's school names and the staff
register's names, as this service follows them. An id only where no name is known yet."""

from __future__ import annotations

from typing import Protocol

from shared.security.directory import SchoolDirectory


class Naming(Protocol):
    def school(self, urn: str) -> str: ...

    def person(self, urn: str, staff_id: str) -> str: ...


class ByIds:
    """Before anything is known: the URN and the staff ids, as they are."""

    def school(self, urn: str) -> str:
        return f"School {urn}"

    def person(self, urn: str, staff_id: str) -> str:
        return staff_id


class FromDirectory(ByIds):
    """Names from the school directory (and, where a register names people, from it)."""

    def __init__(self, directory: SchoolDirectory) -> None:
        self.directory = directory

    def school(self, urn: str) -> str:
        return self.directory.name_of(urn)


def listed(names: list[str]) -> str:
    """'Sam Patel', 'Sam Patel and Ana Wood', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
