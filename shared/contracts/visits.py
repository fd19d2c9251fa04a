"""Events of the Visit aggregate, published by the visits service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shared.contracts.base import Contract, Distinct, IntegrationEvent, Role, StaffId
from shared.contracts.sealed import Sealed

Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.:/-]+$")]


class VisitEvent(IntegrationEvent):
    abstract = True
    aggregate = "visit"


class VisitRequested(VisitEvent):
    version = 2  # v2: purpose sealed

    household_id: Reference
    pupil_ids: Annotated[list[Reference], Distinct] = Field(default_factory=list, max_length=50)
    purpose: Sealed
    reason_code: str | None = None
    planned_date: date
    planned_start: datetime
    planned_end: datetime
    staff_ids: Annotated[list[StaffId], Distinct] = Field(min_length=1, max_length=20)
    announced: bool = True
    requested_by: StaffId


class StaffOnVisit(Contract):
    staff_id: StaffId
    mobile: Sealed
    driving: bool = False


class Departed(VisitEvent):
    """Signed out: the record a buddy needs if anything goes wrong. Personal fields sealed."""

    version = 2  # v2: address, people, phones and vehicle sealed

    staff: list[StaffOnVisit] = Field(min_length=1, max_length=20)
    vehicle_registration: Sealed | None = None
    address: Sealed
    expecting_to_see: Sealed
    expected_arrival: AwareDatetime
    expected_leave: AwareDatetime
    expected_return: AwareDatetime
    buddy_id: StaffId
    buddy_phone: Sealed
    check_in_interval_minutes: int = Field(ge=5, le=240)
    duress_phrase_agreed: bool


class Arrived(VisitEvent):
    version = 2  # v2: note sealed

    dynamic_risk_ok: bool = True
    note: Sealed | None = None


Channel = Literal["app", "sms", "voice"]


class CheckedIn(VisitEvent):
    """The staff are safe: from the page ("app"), by a text reply ("sms") or a call ("voice").
    Check-ins published before texts and calls carry no channel: they came from the page."""

    sequence: int = Field(ge=1)
    channel: Channel = "app"


class NoOneHome(VisitEvent):
    waited_minutes: int = Field(ge=0)


class LeftProperty(VisitEvent):
    expected_return: AwareDatetime


class Returned(VisitEvent):
    incident_to_report: bool = False


class VisitCancelled(VisitEvent):
    version = 2  # v2: reason sealed

    reason: Sealed


class DuressRaised(VisitEvent):
    """Duress: the agreed phrase reported by the buddy, or the panic action by the staff member."""

    raised_by: StaffId
    how: str = Field(pattern=r"^(phrase|panic)$")
    channel: Channel = Field("app", description="how the staff member raised it: the page, a "
                                                 "duress word texted, or a duress PIN keyed")


class InboundCheckInRefused(IntegrationEvent):
    """A text, call or keyed PIN that came in to check in and was refused: none of it checked
    in. Why, through which provider, and of the number only its sealed form and last digits.
    Its visit, when the sender was known and had one (else none: a forgery, a stranger)."""

    aggregate = "inbound"

    provider: Literal["twilio", "notify"]
    channel: Literal["sms", "voice"]
    reason: Literal["forged", "not_set_up", "unknown_number", "no_visit_out", "not_on_site",
                    "replayed", "unclear", "wrong_pin", "no_pin_set"]
    detail: str = Field(max_length=500)
    message_id: str = Field(max_length=100, description="the provider's id for the request")
    number_ending: str = Field(max_length=20)
    number: Sealed | None = None
    staff_id: StaffId | None = None


LogField = Literal["address", "expecting_to_see", "staff_mobiles", "vehicle_registration",
                   "buddy_phone"]


class HomeVisitLogOpened(VisitEvent):
    """Someone opened the visit's Home Visits Log (West Norfolk 2.1, Appendix 3): who, in which
    role, when (`occurred_at`), which sealed fields and from which page. Never the values."""

    household_id: Reference
    opened_by: StaffId
    role: Role
    fields: Annotated[list[LogField], Distinct] = Field(min_length=1, max_length=5)
    via: Literal["board", "visit", "acknowledgement", "api"] = "api"
