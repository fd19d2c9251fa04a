"""The integration-event base: the public, versioned contract every service publishes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SchoolUrn = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
# The school token of trust-wide events (e.g. AuditCheckpoint): no real URN is 000000.
TRUST_WIDE_URN = "000000"
TrustId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
StaffId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")]


class Role(StrEnum):
    STAFF = "staff"
    BUDDY = "buddy"
    OFFICE = "office"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    SLT = "slt"
    HEADTEACHER = "headteacher"
    TRUST_SAFETY_LEAD = "trust_safety_lead"
    TRUST_IT = "trust_it"
    AUDITOR = "auditor"
    SYSTEM = "system"


class Actor(BaseModel):
    """Who did it, with the role they acted in."""

    model_config = ConfigDict(frozen=True)

    id: StaffId
    role: Role


class Contract(BaseModel):
    """A frozen value object inside an event payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")


EVENT_TYPES: dict[str, type[IntegrationEvent]] = {}


class IntegrationEvent(Contract):
    """Facts every published event carries. Subclasses name their aggregate and version."""

    aggregate: ClassVar[str]
    version: ClassVar[int] = 1
    abstract: ClassVar[bool] = True

    event_id: UUID
    schema_version: int = Field(1, ge=1)
    occurred_at: AwareDatetime
    trust_id: TrustId
    school_urn: SchoolUrn
    visit_id: UUID | None = None
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("abstract", False):
            EVENT_TYPES[cls.__name__] = cls

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__

    def subject(self, root: str) -> str:
        return event_subject(root, self.trust_id, self.school_urn, self.aggregate, self.event_type())


def event_subject(root: str, trust: str, school: str, aggregate: str, event_type: str) -> str:
    """`<root>.events.<trust>.<school>.<aggregate>.<EventType>`; any part may be a wildcard."""
    return f"{root}.events.{trust}.{school}.{aggregate}.{event_type}"
