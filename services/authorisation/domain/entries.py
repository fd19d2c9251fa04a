"""People as the school's records hold them, in plain text, before sealing. Pure.

A member of staff (name, job title, mobile, school roles, drivers' documents) and a household
(West Norfolk 2.1, line 60: "name of parents/carers, address, contact details, name of any other
adults residing in the home") with the pupils who live there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCHOOL_ROLES = ("staff", "buddy", "office", "dsl", "deputy_dsl", "slt", "headteacher")
ROLE_NAMES = {"head": "headteacher", "head_teacher": "headteacher", "principal": "headteacher",
              "designated_safeguarding_lead": "dsl", "deputy": "deputy_dsl",
              "deputy_designated_safeguarding_lead": "deputy_dsl", "senior_leader": "slt",
              "senior_leadership_team": "slt", "reception": "office", "admin": "office"}
DOCUMENTS = ("licence", "mot", "business_insurance")
STAFF_ID = re.compile(r"^[\w.@-]{1,64}$")
HOUSEHOLD_ID = re.compile(r"^[\w.:-]{1,64}$")
UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")  # DfE: check letter, LA, school, year, serial
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
MAX_NAME = 100
APOSTROPHES = "'\u2019\u2018`\u00b4-."  # O'Brien, O\u2019Brien and OBrien alike; hyphens too


class Refused(ValueError):
    """A value that cannot be taken as it is; the message says what to send instead."""


@dataclass(frozen=True)
class StaffEntry:
    staff_id: str
    name: str | None
    job_title: str | None
    mobile: str | None
    roles: tuple[str, ...] | None  # None: the file does not say (roles kept as they are)
    documents: tuple[tuple[str, str], ...]  # (document, expiry ISO date), in DOCUMENTS order

    def personal(self) -> dict[str, str | None]:
        return {"name": self.name, "job_title": self.job_title, "mobile": self.mobile}


@dataclass(frozen=True)
class Carer:
    name: str
    relationship: str | None = None
    mobile: str | None = None
    lives_here: bool | None = None  # None: not known

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "relationship": self.relationship, "mobile": self.mobile,
                "lives_here": self.lives_here}


@dataclass(frozen=True)
class Pupil:
    upn: str
    name: str


@dataclass(frozen=True)
class HouseholdEntry:
    household_id: str
    address_lines: tuple[str, ...]
    postcode: str | None
    phones: tuple[str, ...]
    carers: tuple[Carer, ...]
    other_adults: tuple[str, ...]
    pupils: tuple[Pupil, ...]

    def details(self) -> dict[str, Any]:
        """Everything but the pupils, as it is sealed and stored (JSON)."""
        return {"address": {"lines": list(self.address_lines), "postcode": self.postcode},
                "phones": list(self.phones), "carers": [c.as_dict() for c in self.carers],
                "other_adults": list(self.other_adults)}


def name(value: str, what: str = "name") -> str:
    text = " ".join(value.split())
    if not text:
        raise Refused(f"no {what}")
    if len(text) > MAX_NAME:
        raise Refused(f"a {what} of {len(text)} characters; at most {MAX_NAME}")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise Refused(f"the {what} has a control character in it")
    return text


def phone(value: str) -> str:
    text = " ".join(value.split())
    if not PHONE.match(text) or sum(c.isdigit() for c in text) < 6:
        raise Refused("not a phone number: digits, spaces, brackets, '-' and a leading '+' only "
                      "(e.g. 07700 900123 or +44 7700 900123)")
    return text


def staff_id(value: str) -> str:
    if not STAFF_ID.match(value):
        raise Refused("a staff id is the id the person signs in with: up to 64 letters, digits, "
                      "'.', '@', '_' or '-', no spaces")
    return value


def household_id(value: str) -> str:
    if not HOUSEHOLD_ID.match(value):
        raise Refused("a household id is up to 64 letters, digits, '.', ':', '_' or '-'")
    return value


def upn(value: str) -> str:
    text = value.replace(" ", "").upper()
    if not UPN.match(text):
        raise Refused("a UPN is 13 characters: a letter, 11 digits, then a digit or letter "
                      "(e.g. A123456789012)")
    return text


def expiry(value: str) -> str:
    """An expiry date as the MIS writes it (31/12/2027, 2027-12-31, 31-12-2027): ISO."""
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(value.strip(), form).date().isoformat()
        except ValueError:
            continue
    raise Refused("not a date: write it as 31/12/2027 or 2027-12-31")


def roles(value: str) -> tuple[str, ...]:
    """'Staff; Buddy' or 'DSL, SLT': school roles, each once, in the register's order."""
    given = [p for p in re.split(r"[;,/|+]", value) if p.strip()]
    found: list[str] = []
    for part in given:
        key = "_".join(re.sub(r"[^a-z ]+", " ", part.lower()).split())
        role = ROLE_NAMES.get(key, key)
        if role not in SCHOOL_ROLES:
            raise Refused(f"{part.strip()!r} is not a school role: use {', '.join(SCHOOL_ROLES)}")
        if role not in found:
            found.append(role)
    if not found:
        raise Refused(f"no role: give at least one of {', '.join(SCHOOL_ROLES)}")
    return tuple(r for r in SCHOOL_ROLES if r in found)


def yes_no(value: str) -> bool | None:
    text = value.strip().lower()
    if not text:
        return None
    if text in ("y", "yes", "true", "1", "t"):
        return True
    if text in ("n", "no", "false", "0", "f"):
        return False
    raise Refused("write yes or no")


def folded(text: str) -> str:
    """For matching names: 'Zoë O\u2019Brien' and 'zoe obrien' fold alike."""
    plain = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in plain if not unicodedata.combining(c) and c not in APOSTROPHES)
    return " ".join(kept.casefold().split())
