"""The integration-event base: the public, versioned contract every service publishes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

SchoolUrn = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
# The school token of trust-wide events (e.g. AuditCheckpoint): no real URN is 000000.
TRUST_WIDE_URN = "000000"
TrustId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
StaffId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")]


def distinct(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    twice = [value for value in values if value in seen or seen.add(value)]  # type: ignore[func-returns-value]
    if twice:
        raise ValueError("each may be listed once; listed more than once: "
                         + ", ".join(str(value) for value in twice[:5]))
    return values


class _Distinct:
    """Marks a list whose items must differ (a pupil or member of staff listed twice is a
    mistake that consumers would otherwise have to guess about); documented as uniqueItems."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(distinct, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["uniqueItems"] = True
        return json_schema


Distinct = _Distinct()


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
# Which service publishes each aggregate's events (ce-source is /doorstep/<service>).
OWNERS = {"visit": "visits", "authorisation": "authorisation", "riskassessment": "authorisation",
          "escalation": "escalation", "incident": "records", "concern": "records",
          "writeup": "records", "feedback": "records", "correction": "records", "audit": "records",
          "staffregister": "authorisation", "retention": "records",
          "ladder": "escalation", "school": "authorisation",
          "household": "authorisation", "inbound": "visits"}
# Events of these aggregates always belong to one visit.
ABOUT_A_VISIT = frozenset({"visit", "authorisation", "escalation", "writeup", "feedback"})


class IntegrationEvent(Contract):
    """Facts every published event carries. Subclasses name their aggregate and version."""

    aggregate: ClassVar[str]
    version: ClassVar[int] = 1
    abstract: ClassVar[bool] = True

    event_id: UUID
    schema_version: int = Field(1, ge=1, description="this contract's version (the current one "
                                                     "when not given)")
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

    @model_validator(mode="before")
    @classmethod
    def _current_version_by_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("schema_version") is None:
            return {**data, "schema_version": cls.version}
        return data

    @model_validator(mode="after")
    def _this_version(self) -> IntegrationEvent:
        """Older versions are upcast before validation; a newer one this code cannot read."""
        if self.schema_version != type(self).version:
            raise ValueError(f"{type(self).__name__} is at schema_version {type(self).version} "
                             f"here, not {self.schema_version}")
        if type(self).aggregate in ABOUT_A_VISIT and self.visit_id is None:
            raise ValueError(f"{type(self).__name__} is about a visit: give its visit_id")
        return self

    @classmethod
    def origin(cls) -> str:
        """The CloudEvents source of this event: the service that owns its aggregate."""
        return f"/doorstep/{OWNERS[cls.aggregate]}"

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__

    def subject(self, root: str) -> str:
        return event_subject(root, self.trust_id, self.school_urn, self.aggregate, self.event_type())


def event_subject(root: str, trust: str, school: str, aggregate: str, event_type: str) -> str:
    """`<root>.events.<trust>.<school>.<aggregate>.<EventType>`; any part may be a wildcard."""
    return f"{root}.events.{trust}.{school}.{aggregate}.{event_type}"
