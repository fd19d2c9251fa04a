"""What a person sees of a visit. Staff in the room never see that duress was raised."""

from __future__ import annotations

from typing import Any

from services.visits.domain import Visit
from shared.contracts import Role
from shared.storage.sealing import Sealer

ROOM_ROLES = {Role.STAFF}


def visit_view(visit: Visit, role: Role, sealer: Sealer) -> dict[str, Any]:
    """Opened for the person asking (the access policy has let them see this visit)."""
    in_the_room = role in ROOM_ROLES
    sign_out = dict(visit.sign_out or {})
    sign_out.pop("duress_phrase", None)
    sign_out = sealer.unsealed(sign_out)
    view: dict[str, Any] = {
        "visit_id": str(visit.id),
        "school_urn": visit.school_urn,
        "status": str(visit.status),
        "request": sealer.unsealed(visit.request),
        "conditions": visit.conditions,
        "sign_out": sign_out or None,
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
