"""Each school's staff register, as every service knows it: who holds which school roles.

Authorisation keeps the register (trust IT or the school office put people on it) and publishes
each change as `StaffRolesChanged`. Every service reads those from the start of the stream with
an ordered consumer of its own at start-up, and keeps the result in memory (a few thousand
people per trust). A school role's token acts at a school only as that school's register says:
a person not on it, or not with that role, gets 403. Trust-wide roles are never on a school's
register. A school whose register is still empty is open to the school roles on its tokens
(`DOORSTEP_ENVIRONMENT=production` closes it: there a school must keep its register).

The register also names people: each person's name, job title and mobile are kept as they came,
sealed under the person's key, for a service to open where it needs them (`person`); nothing
here unseals them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from shared.contracts import IntegrationEvent, Role
from shared.contracts.authorisation import StaffRolesChanged
from shared.messaging.follower import StreamFollower


@dataclass(frozen=True)
class Person:
    """A member of a school's staff as the register names them; personal fields sealed (None
    when the register was not given them)."""

    staff_id: str
    roles: frozenset[Role]
    name: str | None
    job_title: str | None
    mobile: str | None


class StaffRegisters:
    def __init__(self) -> None:
        self.schools: dict[str, dict[str, set[Role]]] = defaultdict(dict)
        self.people: dict[str, dict[str, Person]] = defaultdict(dict)
        # when each person's latest change was made: a change older than it is not taken, so
        # the keeper's own read-your-write and the follower may meet in either order
        self.changed_at: dict[tuple[str, str], datetime] = {}
        # read from the stream's start at start-up, then followed (the directory's follower too)
        self.follower = StreamFollower("staffregister", self._take)

    @property
    def ready(self) -> asyncio.Event:
        """Set once every change published before start-up has been taken."""
        return self.follower.ready

    def _take(self, event: IntegrationEvent) -> None:
        if isinstance(event, StaffRolesChanged):
            self.apply(event)

    def apply(self, change: StaffRolesChanged) -> None:
        """Take one change (idempotent; one older than the person's latest is ignored)."""
        key = (change.school_urn, change.staff_id)
        latest = self.changed_at.get(key)
        if latest is not None and change.occurred_at < latest:
            return
        self.changed_at[key] = change.occurred_at
        school, people = self.schools[change.school_urn], self.people[change.school_urn]
        if change.roles:
            school[change.staff_id] = set(change.roles)
            people[change.staff_id] = Person(change.staff_id, frozenset(change.roles),
                                             change.name, change.job_title, change.mobile)
        else:  # a leaver: off the register, refused from this change on
            school.pop(change.staff_id, None)
            people.pop(change.staff_id, None)

    def person(self, school_urn: str, staff_id: str) -> Person | None:
        """The person on the school's register, with their sealed name and mobile; None if
        they are not on it."""
        return self.people.get(school_urn, {}).get(staff_id)

    def refusal(self, school_urn: str, user: str, role: Role, strict: bool) -> str | None:
        """Why this person may not act in this role at this school, or None if they may."""
        register = self.schools.get(school_urn) or {}
        if not register and not strict:
            return None
        held = register.get(user, set())
        if role in held:
            return None
        if not held:
            return (f"{user} is not on school {school_urn}'s staff register: ask the school "
                    "office or trust IT to add them")
        names = ", ".join(sorted(str(r) for r in held))
        return (f"{user} is on school {school_urn}'s staff register as {names}, not {role}")
