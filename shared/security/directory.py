"""The school directory, as every service knows it: which trust each school is in, what it is
called, and whether it is archived.

Authorisation keeps the directory (trust IT onboards, changes and archives schools) and
publishes each change; every service follows them from the start of the stream
(`shared/messaging/follower.py`), so a school onboarded while the services run is known to all
of them within moments, with no file to edit and no restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts import IntegrationEvent
from shared.contracts.directory import SchoolArchived, SchoolChanged, SchoolDetails, SchoolOnboarded
from shared.messaging.follower import StreamFollower


@dataclass(frozen=True)
class School:
    urn: str
    trust_id: str
    details: SchoolDetails
    archived: bool = False

    @property
    def name(self) -> str:
        return self.details.name


class SchoolDirectory:
    """Every onboarded school of the deployment, by URN."""

    def __init__(self) -> None:
        self.schools: dict[str, School] = {}
        self.follower = StreamFollower("school", self.apply)

    def apply(self, event: IntegrationEvent) -> None:
        urn = event.school_urn
        if isinstance(event, SchoolOnboarded):
            self.schools.setdefault(urn, School(urn, event.trust_id, event.details))
        known = self.schools.get(urn)
        if known is None or known.trust_id != event.trust_id:
            return  # a school stays in the trust that onboarded it
        if isinstance(event, SchoolChanged):
            self.schools[urn] = School(urn, known.trust_id, event.details, known.archived)
        elif isinstance(event, SchoolArchived):
            self.schools[urn] = School(urn, known.trust_id, known.details, archived=True)

    def get(self, urn: str) -> School | None:
        return self.schools.get(urn)

    def of_trust(self, trust_id: str) -> list[School]:
        return sorted((s for s in self.schools.values() if s.trust_id == trust_id),
                      key=lambda s: (s.archived, s.name.casefold(), s.urn))

    def name_of(self, urn: str) -> str:
        """The school's name for people; its URN only while the directory does not know it."""
        school = self.schools.get(urn)
        return school.name if school else f"School {urn}"
