"""What an import would change: the file against what the school's records hold now. Pure.

A column the file does not have leaves that field as it is (a staff export without a Roles
column keeps everyone's roles; new people get `staff`). A person or household on record but not
in the file is removed: the file is the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from services.authorisation.domain.entries import DOCUMENTS, HouseholdEntry, StaffEntry
from services.authorisation.domain.pupil_file import PupilFile
from services.authorisation.domain.staff_file import StaffFile

T = TypeVar("T")
STAFF_FIELDS = ("name", "job_title", "mobile", "roles", "documents")
HOUSEHOLD_FIELDS = ("address", "phones", "carers", "other_adults", "pupils")


@dataclass(frozen=True)
class Change:
    key: str  # staff id or household id
    label: str
    fields: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.key, "label": self.label, "fields": list(self.fields)}


@dataclass
class Plan(Generic[T]):
    kind: str
    rows: int
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    upserts: dict[str, T] = field(default_factory=dict)  # what is added or changed, whole
    repeated: list[int] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    pupils: int | None = None  # pupils in the file (a pupils import)
    applied: bool = False

    @property
    def nothing_to_do(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "applied": self.applied, "rows": self.rows,
                **({"pupils": self.pupils} if self.pupils is not None else {}),
                "added": [c.as_dict() for c in self.added],
                "changed": [c.as_dict() for c in self.changed],
                "removed": [c.as_dict() for c in self.removed],
                "unchanged": self.unchanged, "repeated_rows": self.repeated,
                "ignored_columns": self.ignored, "encoding": self.encoding}

    def summary(self) -> str:
        done = ("added", "changed", "removed") if self.applied else ("to add", "to change",
                                                                      "to remove")
        return (f"{len(self.added)} {done[0]}, {len(self.changed)} {done[1]}, "
                f"{len(self.removed)} {done[2]}, {self.unchanged} unchanged")


def staff_plan(file: StaffFile, current: dict[str, StaffEntry]) -> Plan[StaffEntry]:
    """The register as the file says it, each field the file has no column for kept."""
    plan: Plan[StaffEntry] = Plan("staff", file.rows, repeated=file.repeated,
                                  ignored=file.ignored, encoding=file.encoding)
    for staff_id, entry in file.entries.items():
        known = current.get(staff_id)
        wanted = _staff(entry, known, file.columns)
        if known is None:
            plan.added.append(Change(staff_id, wanted.name or staff_id))
            plan.upserts[staff_id] = wanted
            continue
        differ = tuple(f for f in STAFF_FIELDS if getattr(wanted, f) != getattr(known, f))
        if differ:
            plan.changed.append(Change(staff_id, wanted.name or staff_id, differ))
            plan.upserts[staff_id] = wanted
        else:
            plan.unchanged += 1
    plan.removed = [Change(staff_id, known.name or staff_id)
                    for staff_id, known in sorted(current.items()) if staff_id not in file.entries]
    return plan


def _staff(entry: StaffEntry, known: StaffEntry | None, columns: set[str]) -> StaffEntry:
    def kept(name: str, default: Any) -> Any:
        if name in columns:
            return getattr(entry, name)
        return getattr(known, name) if known is not None else default

    given = dict(entry.documents)
    held = dict(known.documents) if known is not None else {}
    documents = tuple((d, day) for d in DOCUMENTS
                      if (day := given.get(d) if d in columns else held.get(d)))
    return replace(entry, job_title=kept("job_title", None), mobile=kept("mobile", None),
                   roles=kept("roles", ("staff",)) or ("staff",), documents=documents)


def pupils_plan(file: PupilFile, current: dict[str, HouseholdEntry]) -> Plan[HouseholdEntry]:
    """The school's households as the file says them, each part it has no column for kept."""
    plan: Plan[HouseholdEntry] = Plan("pupils", file.rows, repeated=file.repeated,
                                      ignored=file.ignored, encoding=file.encoding)
    for household_id, entry in file.households.items():
        known = current.get(household_id)
        wanted = _household(entry, known, file.columns)
        if known is None:
            plan.added.append(Change(household_id, _pupils(wanted)))
            plan.upserts[household_id] = wanted
            continue
        differ = tuple(f for f in HOUSEHOLD_FIELDS if _part(wanted, f) != _part(known, f))
        if differ:
            plan.changed.append(Change(household_id, _pupils(wanted), differ))
            plan.upserts[household_id] = wanted
        else:
            plan.unchanged += 1
    plan.removed = [Change(household_id, _pupils(known))
                    for household_id, known in sorted(current.items())
                    if household_id not in file.households]
    return plan


def _household(entry: HouseholdEntry, known: HouseholdEntry | None, columns: set[str]
               ) -> HouseholdEntry:
    if known is None:
        return entry
    address = ((entry.address_lines, entry.postcode) if "address" in columns
               else (known.address_lines, known.postcode))
    return replace(entry, address_lines=address[0], postcode=address[1],
                   phones=entry.phones if "phones" in columns else known.phones,
                   carers=entry.carers if "carers" in columns else known.carers,
                   other_adults=(entry.other_adults if "other_adults" in columns
                                 else known.other_adults))


def _part(entry: HouseholdEntry, name: str) -> Any:
    if name == "address":
        return entry.address_lines, entry.postcode
    if name == "pupils":
        return sorted((p.upn, p.name) for p in entry.pupils)
    return getattr(entry, name)


def _pupils(entry: HouseholdEntry) -> str:
    """The household as the school office knows it: by its pupils' names."""
    names = [p.name for p in entry.pupils]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
