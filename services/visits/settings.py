"""Settings of the visits service alone (prefix DOORSTEP_VISITS_)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InboundSchool(BaseModel):
    """How one school's staff check in by text and call: its provider, and its duress word."""

    model_config = ConfigDict(extra="forbid")
    provider: Literal["twilio", "notify"]
    duress_word: str | None = Field(None, min_length=3, max_length=60)


class VisitsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_VISITS_", extra="ignore",
                                      populate_by_name=True)

    timezone: str = Field(
        "Europe/London", description="the schools' local time zone: a sign-out's day, and the "
                                     "times its rules compare, are read in it",
        # DOORSTEP_TIMEZONE, its name while every service's settings held it, is read still
        validation_alias=AliasChoices("DOORSTEP_VISITS_TIMEZONE", "DOORSTEP_TIMEZONE"))
    public_url: str = Field(
        "http://127.0.0.1:8001", description="where providers reach this service: the start of "
                                             "the webhook URLs set in Twilio and GOV.UK Notify")
    twilio_auth_token: str = Field(
        "", description="checks X-Twilio-Signature on inbound texts and calls (the account's, "
                        "as DOORSTEP_ESCALATION_TWILIO_AUTH_TOKEN)",
        validation_alias=AliasChoices("DOORSTEP_VISITS_TWILIO_AUTH_TOKEN",
                                      "DOORSTEP_ESCALATION_TWILIO_AUTH_TOKEN"))
    notify_inbound_token: str = Field(
        "", description="the bearer token set on GOV.UK Notify's inbound text callback")
    inbound_schools: dict[str, InboundSchool] = Field(
        default_factory=dict,
        description='schools whose staff check in by text and call, JSON: {"123456": '
                    '{"provider": "twilio", "duress_word": "pineapple"}}')
