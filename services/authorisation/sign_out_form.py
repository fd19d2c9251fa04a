"""The sign-out form, filled in from what the school holds (Ordsall: "The number will be
recorded and held by the school office"): each visitor's mobile, the household's address and
whom they will see, a buddy and the buddy's phone. For the staff going, the office and senior
leaders; every opening of the household's details is recorded (once a quiet window)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.authorisation.domain import VisitCase
from services.authorisation.domain.entries import HouseholdEntry, StaffEntry
from services.authorisation.domain.reads import DetailsReads
from services.authorisation.households import HouseholdRecords
from services.authorisation.schools import school_meta
from shared.contracts import Actor, Role
from shared.contracts.errors import Forbidden, NotFound
from shared.storage.commands import serialised

RULE = "SignOutFormIsForTheStaffGoing"
WATCHING = {Role.OFFICE, Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.HEADTEACHER}
OPENED = ["address", "carers", "pupils"]


class SignOutForms(HouseholdRecords):
    """Reads of the register and the household, for the sign-out page."""

    def sign_out_form(self, case: VisitCase, actor: Actor, trust_id: str) -> dict[str, Any]:
        school_urn = case.school_urn
        going = [str(s) for s in case.request["staff_ids"]]
        if actor.id not in going and actor.role not in WATCHING:
            raise Forbidden(f"{RULE}: the sign-out form, with the household's address, is for "
                            f"the staff going ({', '.join(going)}), the office and senior "
                            "leaders (West Norfolk 2.1)")
        staff = self.staff(school_urn)
        household = self.household_read(school_urn, case.household_id, actor, trust_id,
                                        via="sign-out")
        buddy = _buddy(staff, going)
        return {
            "staff": [{"staff_id": s, "name": _name(staff.get(s)),
                       "mobile": (staff[s].mobile if s in staff else None)} for s in going],
            "household_id": case.household_id,
            "address": ", ".join([*household.address_lines, *([household.postcode]
                                  if household and household.postcode else [])])
            if household else None,
            "expecting_to_see": _expected(household) if household else None,
            "buddy": {"staff_id": buddy.staff_id, "name": _name(buddy), "mobile": buddy.mobile}
            if buddy else None,
        }

    @serialised(by="school_urn")
    def household_read(self, school_urn: str, household_id: str, actor: Actor, trust_id: str,
                       *, via: str) -> HouseholdEntry | None:
        """The household's details, opened for this person; the opening is stored before they are
        given (once a quiet window, `DetailsReads`). None when the household is not on the roll
        (the sign-out form is then filled by hand)."""
        try:
            entry = self.household_entry(school_urn, household_id)
        except NotFound:
            if via == "household":
                raise
            return None
        key = DetailsReads.create_id(school_urn, household_id, actor.id)
        meta = school_meta(trust_id, school_urn, actor)
        reads = self.find(key, DetailsReads) or DetailsReads(school_urn, household_id, actor.id,
                                                             meta)
        if reads.read(str(actor.role), OPENED, via, datetime.now(UTC), meta):
            self.save(reads)
        return entry


def _name(entry: StaffEntry | None) -> str | None:
    return entry.name if entry else None


def _buddy(staff: dict[str, StaffEntry], going: list[str]) -> StaffEntry | None:
    """Who the log is left with (West Norfolk 2.1: the office): a buddy in the office first, then
    any buddy, then the office; never one of those going."""
    def fits(entry: StaffEntry, *roles: str) -> bool:
        return entry.staff_id not in going and all(r in (entry.roles or ()) for r in roles)

    people = sorted(staff.values(), key=lambda e: e.staff_id)
    for roles in (("buddy", "office"), ("buddy",), ("office",)):
        found = [e for e in people if fits(e, *roles)]
        if found:
            return found[0]
    return None


def _expected(household: HouseholdEntry) -> str:
    """Whom they expect to see: the carers who live there, and the pupils."""
    people = [c.name for c in household.carers if c.lives_here is not False]
    people += [p.name for p in household.pupils]
    return ", ".join(people)
