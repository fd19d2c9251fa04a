"""Importing a school's staff and pupils from its MIS (CSV): a dry run says what would change;
an apply changes it, and a second apply changes nothing.

The whole file is read and checked first: one bad row and nothing of it applies, and every
problem is named by line and column. Then the plan (added, changed, removed) is made against
what is held now, and applied in bounded saves; an apply cut short (a crash) is completed by
running it again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from services.authorisation.domain.csvtable import Problem, Progress
from services.authorisation.domain.entries import HouseholdEntry, StaffEntry
from services.authorisation.domain.plan import Plan, pupils_plan, staff_plan
from services.authorisation.domain.pupil_file import read_pupils
from services.authorisation.domain.staff_file import read_staff
from services.authorisation.households import HouseholdRecords
from services.authorisation.schools import school_meta
from shared.contracts import Actor
from shared.contracts.errors import Invalid
from shared.storage.commands import serialised

SHOWN_PROBLEMS = 200


class MisImports(HouseholdRecords):
    """Staff and pupils from the school's MIS exports, checked whole, then applied."""

    def __init__(self, env: dict[str, str] | None = None, *, address_secret: bytes = b"",
                 **records: Any) -> None:
        super().__init__(env=env, **records)
        # household ids made from an address are keyed, so they do not give the address away
        self.address_secret = address_secret

    @serialised(by="school_urn")
    def import_staff(self, school_urn: str, data: bytes, *, apply: bool, actor: Actor,
                     trust_id: str, progress: Progress | None = None) -> Plan[StaffEntry]:
        """The staff register as the file says it: a dry run, or (`apply`) done."""
        file = read_staff(data, progress)
        _refuse(file.problems, "staff", file.rows)
        plan = staff_plan(file, self.staff(school_urn))
        if apply and not plan.nothing_to_do:
            self.write_staff(school_urn, [plan.upserts[c.key] for c in plan.added + plan.changed],
                             [c.key for c in plan.removed], trust_id,
                             school_meta(trust_id, school_urn, actor))
        plan.applied = apply
        return plan

    @serialised(by="school_urn")
    def import_pupils(self, school_urn: str, data: bytes, *, apply: bool, actor: Actor,
                      trust_id: str, progress: Progress | None = None
                      ) -> Plan[HouseholdEntry]:
        """The school's households and pupils as the file says them: a dry run, or done."""
        file = read_pupils(data, self.address_id, progress)
        _refuse(file.problems, "pupils", file.rows)
        plan = pupils_plan(file, self.households(school_urn, progress))
        plan.pupils = file.pupils
        if apply and not plan.nothing_to_do:
            self.write_households(school_urn, trust_id,
                                  [plan.upserts[c.key] for c in plan.added + plan.changed],
                                  [c.key for c in plan.removed],
                                  school_meta(trust_id, school_urn, actor), progress)
        plan.applied = apply
        return plan

    @property
    def address_id(self) -> Callable[[str], str]:
        def made(address: str) -> str:
            digest = hmac.new(self.address_secret, address.encode(), hashlib.sha256)
            return "addr-" + digest.hexdigest()[:20]
        return made


def _refuse(problems: list[Problem], kind: str, rows: int) -> None:
    if not problems:
        return
    shown = [str(p) for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"... and {len(problems) - SHOWN_PROBLEMS} more")
    raise Invalid(f"the {kind} file has {len(problems)} problem(s) in {rows} row(s); nothing of "
                  "it was applied: fix each line named and send the whole file again",
                  details=shown)
