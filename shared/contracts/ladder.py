"""What escalation last said of a school's escalation ladder, kept by each service that must
refuse to send anyone out on an empty one (authorisation at the decision, visits at sign-out)."""

from __future__ import annotations

import sys
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

LADDER_RULE = "LadderReachesSomeone"
LADDER_CITATION = ("west-norfolk-academies-trust 2.7: 'If contact cannot be established, a "
                   "senior leader must be informed immediately and consideration must be given "
                   "to contacting the police'")


class SchoolLadder(Aggregate):
    """The gaps of one school's ladder, as the last EscalationLadderChanged said."""

    @staticmethod
    def create_id(school_urn: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:school-ladder:{school_urn}")

    @event("Heard")
    def __init__(self, school_urn: str, missing: list[str], event_id: str,
                 meta: dict[str, Any]) -> None:
        self.school_urn = school_urn
        self.missing = missing
        self.last_event = event_id

    def heard(self, missing: list[str], event_id: str, meta: dict[str, Any]) -> bool:
        if event_id == self.last_event or missing == self.missing:
            return False
        self._changed(missing, event_id, meta)
        return True

    @event("Changed")
    def _changed(self, missing: list[str], event_id: str, meta: dict[str, Any]) -> None:
        self.missing = missing
        self.last_event = event_id


def ladder_refusal(ladder: SchoolLadder | None, school_urn: str, required: bool) -> str | None:
    """LadderReachesSomeone: no visit goes out while levels 2 and 3 of the school's ladder reach
    nobody. `required` (production): a school escalation has never reported on is refused too."""
    if ladder is None:
        if not required:
            return None
        return (f"school {school_urn} has no escalation contacts: set a senior leader and the "
                f"headteacher, with phones, in PUT /v1/schools/{school_urn}/escalation-contacts")
    short = [gap for gap in ladder.missing if gap.startswith(("level 2", "level 3"))]
    if not short:
        return None
    return (f"school {school_urn}'s escalation ladder reaches nobody at " + "; ".join(short)
            + f" (PUT /v1/schools/{school_urn}/escalation-contacts)")


def heard_ladder(known: SchoolLadder | None, school_urn: str, missing: list[str],
                 event_id: str, meta: dict[str, Any]) -> SchoolLadder | None:
    """The ladder after one EscalationLadderChanged; None when nothing changed (a redelivery)."""
    if known is None:
        return SchoolLadder(school_urn, missing, event_id, meta)
    return known if known.heard(missing, event_id, meta) else None


# Events stored before the layout move name this module `shared.ladder`.
register_topic("shared.ladder", sys.modules[__name__])
