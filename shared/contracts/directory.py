"""The school directory: the schools a deployment serves, each in exactly one trust.

Trust IT onboards a school, changes it and archives it (its history stays readable; nothing new
can be done there). Every service follows these events; none of them is personal data.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.contracts.base import Contract, IntegrationEvent

HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class SchoolDetails(Contract):
    """What a school is called and how it runs, as its office would describe it."""

    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field("Europe/London", description="IANA time zone of the school's day")
    opens: HHMM = "08:00"
    closes: HHMM = "17:00"
    policy_pack: str = Field(min_length=1, max_length=63)
    contact_number: str = Field("", max_length=32, description="the school office's number")


class SchoolOnboarded(IntegrationEvent):
    """A school joins the deployment, in the trust that onboarded it."""

    aggregate = "school"

    details: SchoolDetails


class SchoolChanged(IntegrationEvent):
    """A school's details now (the whole of them, not a difference)."""

    aggregate = "school"

    details: SchoolDetails


class SchoolArchived(IntegrationEvent):
    """A school leaves: its records stay and can be read; nothing new can be done there."""

    aggregate = "school"

    reason: str = Field(min_length=1, max_length=500)
