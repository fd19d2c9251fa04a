"""The pupils-with-contacts export of a school's MIS, read into households. Pure.

One row per pupil, with the pupil's address and contacts (siblings repeat them). Rows with the
same household (or family) id are one household; without that column, rows with the same first
address line and postcode are, under an id made from the address (`address_id`, a keyed hash,
so the id does not give the address away).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from services.authorisation.domain import entries as check
from services.authorisation.domain.csvtable import Cells, Problem, Progress, Table, read_table
from services.authorisation.domain.entries import Carer, HouseholdEntry, Pupil, folded

CONTACTS = range(1, 7)
CONTACT_PREFIXES = ["Contact", "Parent", "Carer", "Guardian", "Parent/Carer"]
CONTACT_FIELDS: dict[str, list[str]] = {
    "name": ["Name", "Full Name"],
    "forename": ["Forename", "First Name", "Legal Forename", "Preferred Forename"],
    "surname": ["Surname", "Last Name", "Legal Surname"],
    "relationship": ["Relationship", "Relationship to Pupil", "Relation"],
    "mobile": ["Mobile", "Mobile Phone", "Mobile Number", "Mobile No", "Telephone", "Phone",
               "Tel", "Phone Number"],
    "lives_here": ["Lives With Pupil", "Lives With Student", "Lives at Address", "Lives Here",
                   "Resides With Pupil", "Same Address"],
}
PUPIL_COLUMNS: dict[str, list[str]] = {
    "upn": ["UPN", "Unique Pupil Number", "Pupil UPN"],
    "forename": ["Preferred Forename", "Preferred First Name", "Known As", "Legal Forename",
                 "Forename", "First Name", "Given Name"],
    "surname": ["Preferred Surname", "Legal Surname", "Surname", "Last Name", "Family Name"],
    "household_id": ["Household ID", "Household", "Family ID", "Family", "Family Code",
                     "Household Reference", "Family Reference"],
    "address1": ["Address Line 1", "Address 1", "Address1", "Street", "Address"],
    "address2": ["Address Line 2", "Address 2", "Address2", "Locality"],
    "address3": ["Address Line 3", "Address 3", "Address3", "Town", "Town/City", "City"],
    "address4": ["Address Line 4", "Address 4", "Address4", "County"],
    "postcode": ["Postcode", "Post Code", "Postal Code"],
    "phone": ["Home Telephone", "Home Phone", "Home Tel", "Telephone", "Phone"],
    "other_adults": ["Other Adults", "Other Adults in Home", "Other Adults in the Home",
                     "Other Adults at Address"],
    **{f"contact{n}.{part}": [f"{prefix}{gap}{n} {name}" for prefix in CONTACT_PREFIXES
                              for gap in (" ", "") for name in names]
       for n in CONTACTS for part, names in CONTACT_FIELDS.items()},
}
LABELS = {"upn": "UPN", "forename": "Legal Forename", "surname": "Surname", "name": "Forename",
          "household_id": "Household ID", "address1": "Address Line 1", "postcode": "Postcode",
          "phone": "Home Telephone", "other_adults": "Other Adults",
          **{f"contact{n}.{part}": f"Contact {n} {names[0]}"
             for n in CONTACTS for part, names in CONTACT_FIELDS.items()}}
ADDRESS = ("address1", "address2", "address3", "address4")


@dataclass
class PupilFile:
    households: dict[str, HouseholdEntry]
    problems: list[Problem]
    repeated: list[int] = field(default_factory=list)
    rows: int = 0
    columns: set[str] = field(default_factory=set)  # address, phones, carers, other_adults
    ignored: list[str] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def pupils(self) -> int:
        return sum(len(h.pupils) for h in self.households.values())


def read_pupils(data: bytes, address_id: Callable[[str], str],
                progress: Progress | None = None) -> PupilFile:
    """Every row checked, then grouped into households; each problem names line and column."""
    table = read_table(data, PUPIL_COLUMNS, progress)
    found = PupilFile({}, list(table.problems), rows=len(table.rows), ignored=table.ignored,
                      encoding=table.encoding, columns=_parts(table))
    missing = [Problem(table.header_line, "header", f"no {what} column (looked for "
                       f"{', '.join(PUPIL_COLUMNS[name])})")
               for name, what in (("upn", "UPN"), ("forename", "forename"),
                                  ("surname", "surname")) if name not in table.columns]
    if missing and not table.empty:
        found.problems = missing + found.problems
        return found
    first_line: dict[str, int] = {}  # upn -> line
    rows: dict[str, HouseholdEntry] = {}  # upn -> the row's own household
    for row in table.rows:
        cells = Cells(row, table, LABELS)
        home = _household(cells, table, address_id)
        if cells.problems or home is None:
            found.problems.extend(cells.problems)
            continue
        upn = home.pupils[0].upn
        if upn in first_line:
            if rows[upn] == home:
                found.repeated.append(row.line)
            else:
                cells.refuse("upn", f"{upn} is also on line {first_line[upn]} with other "
                             "details: keep one row per pupil")
                found.problems.extend(cells.problems)
            continue
        first_line[upn], rows[upn] = row.line, home
        known = found.households.get(home.household_id)
        merged = home if known is None else _merged(known, home, cells)
        found.problems.extend(cells.problems)
        found.households[home.household_id] = merged
    if not found.households and not found.problems:
        found.problems.append(Problem(table.header_line + 1, "rows", "no pupils below the "
                                      "header: an empty file would take every household off "
                                      "the school's roll"))
    return found


def _parts(table: Table) -> set[str]:
    """Which parts of a household the file speaks of (the others are kept as they are)."""
    have = set(table.columns)
    parts = {"address": bool(have & {*ADDRESS, "postcode"}), "phones": "phone" in have,
             "carers": any(name.startswith("contact") for name in have),
             "other_adults": "other_adults" in have}
    return {part for part, given in parts.items() if given}


def _household(cells: Cells, table: Table, address_id: Callable[[str], str]
               ) -> HouseholdEntry | None:
    row = cells.row
    upn = cells.take("upn", check.upn)
    pupil_name = cells.take("forename", check.name,
                            " ".join(p for p in (row.first("forename"), row.first("surname")) if p))
    lines = tuple(line for line in (row.first(name) for name in ADDRESS) if line)
    postcode = cells.optional("postcode", _postcode)
    home_id = cells.optional("household_id", check.household_id)
    if home_id is None and not row.first("household_id"):
        if row.first("address1"):
            home_id = address_id(folded(row.first("address1") + "|" + (postcode or "")))
        else:
            cells.refuse("household_id" if "household_id" in table.columns else "address1",
                         "no household id and no address to group the household by")
    phone = cells.optional("phone", check.phone)
    others = tuple(filter(None, (cells.take("other_adults", lambda v: check.name(v, "name"), p)
                                 for p in row.first("other_adults").split(";") if p.strip())))
    carers = tuple(filter(None, (_carer(cells, n) for n in CONTACTS)))
    if upn is None or pupil_name is None or home_id is None:
        return None
    return HouseholdEntry(household_id=home_id, address_lines=lines, postcode=postcode,
                          phones=(phone,) if phone else (), carers=carers, other_adults=others,
                          pupils=(Pupil(upn, pupil_name),))


def _carer(cells: Cells, n: int) -> Carer | None:
    row, key = cells.row, f"contact{n}."
    parts = {part: row.first(key + part) for part in CONTACT_FIELDS}
    if not any(parts.values()):
        return None
    full = parts["name"] or " ".join(p for p in (parts["forename"], parts["surname"]) if p)
    who = cells.take(key + "name", lambda v: check.name(v, f"name for contact {n}"), full)
    relationship = cells.optional(key + "relationship", lambda v: check.name(v, "relationship"))
    mobile = cells.optional(key + "mobile", check.phone)
    lives_here = cells.take(key + "lives_here", check.yes_no)
    return Carer(who, relationship, mobile, lives_here) if who else None


def _postcode(value: str) -> str:
    text = " ".join(value.upper().split())
    if not 5 <= len(text.replace(" ", "")) <= 8 or not text.replace(" ", "").isalnum():
        raise check.Refused("not a postcode (e.g. PE30 1AA)")
    return text


def _merged(known: HouseholdEntry, home: HouseholdEntry, cells: Cells) -> HouseholdEntry:
    """A sibling's row: the same household, one more pupil; its contacts added."""
    def place(h: HouseholdEntry) -> list[str]:
        return [folded(line) for line in (*h.address_lines, h.postcode or "")]

    if home.address_lines and known.address_lines and place(home) != place(known):
        cells.refuse("address1", f"household {known.household_id} has another address on an "
                     "earlier line: one household, one address")
    carers: dict[tuple[str, str | None], Carer] = {}
    for carer in (*known.carers, *home.carers):
        carers.setdefault((folded(carer.name), carer.mobile), carer)
    return replace(known, address_lines=known.address_lines or home.address_lines,
                   postcode=known.postcode or home.postcode,
                   phones=tuple(dict.fromkeys((*known.phones, *home.phones))),
                   carers=tuple(carers.values()),
                   other_adults=tuple(dict.fromkeys((*known.other_adults, *home.other_adults))),
                   pupils=(*known.pupils, *home.pupils))
