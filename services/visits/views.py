"""What a person sees of a visit. Staff in the room never see that duress was raised.

The sign-out's personal fields (address, whom they expect to see, mobiles, registration, the
buddy's phone) are opened in one place only, the Home Visits Log, where each opening is
recorded: the visit itself shows them to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.visits.domain import Visit
from services.visits.domain.log import next_due
from services.visits.personal import SIGN_OUT_SEALED
from shared.contracts import Role
from shared.storage.sealing import Sealer

ROOM_ROLES = {Role.STAFF}


def visit_view(visit: Visit, role: Role, sealer: Sealer) -> dict[str, Any]:
    """Opened for the person asking (the access policy has let them see this visit)."""
    in_the_room = role in ROOM_ROLES
    view: dict[str, Any] = {
        "visit_id": str(visit.id),
        "school_urn": visit.school_urn,
        "status": str(visit.status),
        "request": sealer.unsealed(visit.request),
        "conditions": visit.conditions,
        "sign_out": _without_personal(visit.sign_out),
        "home_visits_log": (f"/v1/schools/{visit.school_urn}/visits/{visit.id}/home-visits-log"
                            if visit.sign_out else None),
        "visiting_staff": visit.visiting_staff,
        "check_ins": visit.check_ins_shown_to_staff if in_the_room else visit.check_ins,
        "expected_return": visit.expected_return,
        "no_one_home": visit.no_one_home,
        "version": visit.version,
    }
    if visit.declined_rules:
        view["declined_rules"] = visit.declined_rules
    if not in_the_room:
        view["duress"] = visit.duress
    return view


def _without_personal(sign_out: dict[str, Any] | None) -> dict[str, Any] | None:
    if not sign_out:
        return None
    kept = {name: value for name, value in sign_out.items() if name not in SIGN_OUT_SEALED}
    kept["staff"] = [{"staff_id": m["staff_id"], "driving": m.get("driving", False)}
                     for m in sign_out["staff"]]
    return kept


@dataclass
class Contacts:
    """When the staff left school and said they were OK (arrival, check-ins), and their covert
    panics, which their own screens show as check-ins."""

    left_at: datetime | None = None
    said_ok: list[datetime] = field(default_factory=list)
    panics: list[datetime] = field(default_factory=list)

    def last(self, in_the_room: bool) -> datetime | None:
        times = self.said_ok + (self.panics if in_the_room else [])
        return max(times, default=None)


def log_view(visit: Visit, sign_out: dict[str, Any], contacts: Contacts, viewer: str,
             opening: dict[str, Any]) -> dict[str, Any]:
    """The Home Visits Log (West Norfolk Appendix 3), opened: `sign_out` is already unsealed."""
    in_the_room = viewer in visit.visiting_staff
    last = contacts.last(in_the_room)
    expected_return = visit.expected_return or sign_out["expected_return"]
    due = next_due(visit.status, last, sign_out["check_in_interval_minutes"],
                   datetime.fromisoformat(sign_out["expected_arrival"]),
                   datetime.fromisoformat(expected_return))
    drivers = [m["staff_id"] for m in sign_out["staff"] if m.get("driving")]
    log: dict[str, Any] = {
        "visit_id": str(visit.id),
        "school_urn": visit.school_urn,
        "household_id": visit.request["household_id"],
        "date": visit.request.get("planned_date"),
        "status": str(visit.status),
        "left_school_at": contacts.left_at.isoformat() if contacts.left_at else None,
        "staff": [{"staff_id": m["staff_id"], "mobile": m["mobile"],
                   "driving": m.get("driving", False)} for m in sign_out["staff"]],
        "vehicle_registration": sign_out.get("vehicle_registration"),
        "driver": drivers[0] if drivers else None,
        "address": sign_out["address"],
        "expecting_to_see": sign_out["expecting_to_see"],
        "expected_arrival": sign_out["expected_arrival"],
        "expected_leave": sign_out["expected_leave"],
        "expected_return": expected_return,
        "buddy_id": sign_out["buddy_id"],
        "buddy_phone": sign_out["buddy_phone"],
        "check_in_interval_minutes": sign_out["check_in_interval_minutes"],
        "check_ins": visit.check_ins_shown_to_staff if in_the_room else visit.check_ins,
        "last_check_in": last.isoformat() if last else None,
        "next_due": {"what": due[0], "at": due[1].isoformat()} if due else None,
        "no_one_home": visit.no_one_home,
        "opening": opening,
    }
    if not in_the_room:
        log["duress"] = visit.duress
    return log
