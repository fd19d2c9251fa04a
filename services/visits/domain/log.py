"""The Home Visits Log (West Norfolk 2.1, Appendix 3): who may open it, what is due next, and
each opening as an event. Pure.

Staff leave the log with the office before they go: car registration, their mobiles, the
address and whom they expect to see, the times. It is for the people who must act if they do
not come back: the buddy tries each mobile, a senior leader drives past to look for the car and
calls the police with the address (2.7). Each opening of its sealed fields is recorded, so an
auditor can list who saw a household's address; a live board reopening it every few seconds
records one opening per person and visit in each quiet window.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.visits.domain import Status
from shared.contracts import Role
from shared.contracts.errors import Forbidden
from shared.contracts.meta import Meta

RULE = "HomeVisitLogIsForTheResponders"
CITATION = ("west-norfolk-academies-trust.txt line 69 (2.1): 'Before staff leave to go on a home "
            "visit they must inform the school office, and leave the following information "
            "recorded in the Home Visits Log (Appendix 3)'; line 115 (2.7): 'the allocated "
            "buddy must make all reasonable attempts to contact each staff member. If contact "
            "cannot be established, a senior leader must be informed immediately'")
# Whoever holds one of these roles at the school; besides them, the visit's own buddy and staff.
RESPONDER_ROLES = frozenset({Role.OFFICE, Role.DSL, Role.DEPUTY_DSL, Role.SLT, Role.HEADTEACHER,
                             Role.TRUST_SAFETY_LEAD})
QUIET = timedelta(minutes=5)
# The sealed fields of a sign-out that the log opens, as an opening names them (never the
# duress phrase: that stays with the staff and their buddy).
FIELDS = ("address", "expecting_to_see", "staff_mobiles", "vehicle_registration", "buddy_phone")


def log_refusal(viewer: str, role: Role, buddy_id: str | None,
                visiting_staff: Collection[str]) -> Forbidden | None:
    """HomeVisitLogIsForTheResponders: the office, the senior roles and the trust safety lead,
    the visit's buddy and its own staff; Forbidden, naming who may, for anyone else."""
    if role in RESPONDER_ROLES or viewer == buddy_id or viewer in visiting_staff:
        return None
    roles = ", ".join(sorted(str(r) for r in RESPONDER_ROLES))
    why = (f"only the responders may open this visit's Home Visits Log: the roles {roles}, the "
           f"visit's buddy ({buddy_id or 'none named yet'}) and its staff "
           f"({', '.join(visiting_staff) or 'nobody yet'}); {viewer} ({role}) is none of them")
    return Forbidden(f"{RULE}: {why}", details=[f"{RULE}: {why} [{CITATION}]"])


def opened_fields(sign_out: dict[str, Any]) -> list[str]:
    """The sealed fields this sign-out holds, which opening its log shows."""
    return [name for name in FIELDS if name == "staff_mobiles" or sign_out.get(name)]


def next_due(status: Status, last_contact: datetime | None, interval_minutes: int,
             expected_arrival: datetime, expected_return: datetime
             ) -> tuple[str, datetime] | None:
    """What the staff owe next, and when: arrival, the next check-in, or the return."""
    if status == Status.EN_ROUTE:
        return "arrival", expected_arrival
    if status == Status.ON_SITE and last_contact is not None:
        due = last_contact + timedelta(minutes=interval_minutes)
        return ("return", expected_return) if expected_return < due else ("check-in", due)
    if status in (Status.ON_SITE, Status.LEFT):
        return "return", expected_return
    return None


class LogOpenings(Aggregate):
    """One person's openings of one visit's Home Visits Log."""

    @staticmethod
    def create_id(visit_id: UUID, viewer: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:visits:home-visits-log:{visit_id}:{viewer}")

    @event("Started")
    def __init__(self, visit_id: UUID, viewer: str, meta: Meta) -> None:
        self.visit_id = visit_id
        self.viewer = viewer
        self.last_opened_at: datetime | None = None
        self.last_role: str | None = None

    def open(self, role: str, fields: list[str], via: str, household_id: str, at: datetime,
             meta: Meta) -> bool:
        """OneOpeningRecordedPerQuietWindow: True if this opening is recorded; within `QUIET`
        of the last one, in the same role, it is the same look and records nothing."""
        if (self.last_opened_at is not None and role == self.last_role
                and timedelta(0) <= at - self.last_opened_at < QUIET):
            return False
        self._opened(self.visit_id, role, fields, via, household_id, at, meta)
        return True

    @event("Opened")
    def _opened(self, visit_id: UUID, role: str, fields: list[str], via: str,
                household_id: str, at: datetime, meta: Meta) -> None:
        self.last_opened_at = at
        self.last_role = role
