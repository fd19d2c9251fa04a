"""A school's roll: each pupil with the household they live in. Pure."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.authorisation.domain import Meta


class PupilRoll(Aggregate):
    """Pupils by UPN: their household and their name, sealed under the household's key, so a
    member of staff can find a pupil by name and the household follows."""

    @staticmethod
    def create_id(school_urn: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:pupil-roll:{school_urn}")

    @event("Opened")
    def __init__(self, school_urn: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.pupils: dict[str, dict[str, str]] = {}  # upn -> {"household_id", "name" (sealed)}

    @event("PupilsRecorded")
    def record(self, pupils: dict[str, dict[str, str]], meta: Meta) -> None:
        """Pupils added, renamed or moved to another household."""
        self.pupils.update({upn: dict(pupil) for upn, pupil in pupils.items()})

    @event("PupilsRemoved")
    def remove(self, upns: list[str], meta: Meta) -> None:
        """Pupils who have left the school."""
        for upn in upns:
            self.pupils.pop(upn, None)

    def households(self) -> dict[str, list[str]]:
        """Household id -> the UPNs of the pupils who live there."""
        found: dict[str, list[str]] = {}
        for upn, pupil in self.pupils.items():
            found.setdefault(pupil["household_id"], []).append(upn)
        return found
