"""The staff export of a school's MIS, read into the staff register's entries. Pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from services.authorisation.domain import entries as check
from services.authorisation.domain.csvtable import (
    Cells,
    Problem,
    Progress,
    Row,
    Table,
    read_table,
)
from services.authorisation.domain.entries import DOCUMENTS, StaffEntry

# Each field's column, by the names MIS exports give it, most preferred first (any case).
STAFF_COLUMNS: dict[str, list[str]] = {
    "staff_id": ["Doorstep ID", "Staff ID", "User ID", "Username", "Login", "Work Email",
                 "Email Address", "Email", "Employee ID", "Employee Number", "Payroll Number",
                 "Staff Code", "ID"],
    "forename": ["Preferred Forename", "Preferred First Name", "Known As", "Legal Forename",
                 "Forename", "First Name", "Given Name"],
    "surname": ["Preferred Surname", "Legal Surname", "Surname", "Last Name", "Family Name"],
    "name": ["Full Name", "Name", "Staff Name"],
    "job_title": ["Job Title", "Post Title", "Post", "Position", "Job"],
    "mobile": ["Mobile", "Mobile Phone", "Mobile Number", "Mobile No", "Mobile Telephone",
               "Work Mobile", "Mobile Tel"],
    "roles": ["Doorstep Roles", "Roles", "Role"],
    "licence": ["Licence Expiry", "Driving Licence Expiry", "License Expiry",
                "Driving License Expiry", "Licence Expires"],
    "mot": ["MOT Expiry", "MOT Expires", "MOT Due", "MOT"],
    "business_insurance": ["Business Insurance Expiry", "Insurance Expiry",
                           "Business Insurance Expires", "Insurance Expires"],
}
LABELS = {"staff_id": "Staff ID", "forename": "Legal Forename", "surname": "Surname",
          "name": "Full Name", "job_title": "Job Title", "mobile": "Mobile", "roles": "Roles",
          "licence": "Licence Expiry", "mot": "MOT Expiry",
          "business_insurance": "Business Insurance Expiry"}


@dataclass
class StaffFile:
    """What the file says, or what is wrong with it (then nothing of it applies)."""

    entries: dict[str, StaffEntry]
    problems: list[Problem]
    repeated: list[int] = field(default_factory=list)  # lines that only repeat an earlier row
    rows: int = 0
    columns: set[str] = field(default_factory=set)  # the fields the file has columns for
    ignored: list[str] = field(default_factory=list)
    encoding: str = "utf-8"


def read_staff(data: bytes, progress: Progress | None = None) -> StaffFile:
    """Every row checked; each problem names its line and column."""
    table = read_table(data, STAFF_COLUMNS, progress)
    found = StaffFile({}, list(table.problems), rows=len(table.rows),
                      columns=set(table.columns), ignored=table.ignored,
                      encoding=table.encoding)
    missing = header_problems(table)
    if missing:
        found.problems = missing + found.problems
        return found
    lines: dict[str, int] = {}
    for row in table.rows:
        entry = _entry(row, table, found.problems.append)
        if entry is None:
            continue
        if entry.staff_id in found.entries:
            if found.entries[entry.staff_id] == entry:
                found.repeated.append(row.line)
            else:
                found.problems.append(Problem(
                    row.line, table.label("staff_id", "Staff ID"),
                    f"{entry.staff_id} is also on line {lines[entry.staff_id]} with other "
                    "details: keep one row per person"))
            continue
        found.entries[entry.staff_id] = entry
        lines[entry.staff_id] = row.line
    if not found.entries and not found.problems:
        found.problems.append(Problem(table.header_line + 1, "rows", "no staff below the "
                                      "header: an empty file would take everyone off the "
                                      "register"))
    return found


def header_problems(table: Table) -> list[Problem]:
    if table.empty:
        return []
    problems = []
    if "staff_id" not in table.columns:
        problems.append(Problem(table.header_line, "header", "no Staff ID column (looked for "
                                + ", ".join(STAFF_COLUMNS["staff_id"]) + ")"))
    if "name" not in table.columns and not {"forename", "surname"} <= set(table.columns):
        problems.append(Problem(table.header_line, "header", "no name columns: give Legal "
                                "Forename and Surname, or Full Name"))
    return problems


def _entry(row: Row, table: Table, problem: Callable[[Problem], None]) -> StaffEntry | None:
    cells = Cells(row, table, LABELS)
    person = cells.take("staff_id", check.staff_id)
    named_by = "forename" if "forename" in table.columns else "name"
    full_name = cells.take(named_by, check.name, _full_name(row))
    job_title = cells.optional("job_title", lambda v: check.name(v, "job title"))
    mobile = cells.optional("mobile", check.phone)
    roles = cells.take("roles", check.roles) if "roles" in table.columns else None
    documents = tuple((d, day) for d in DOCUMENTS if (day := cells.optional(d, check.expiry)))
    for found in cells.problems:
        problem(found)
    if cells.problems or person is None:
        return None
    return StaffEntry(staff_id=person, name=full_name, job_title=job_title, mobile=mobile,
                      roles=roles, documents=documents)


def _full_name(row: Row) -> str:
    parts = [row.first("forename"), row.first("surname")]
    return " ".join(p for p in parts if p) or row.first("name")
