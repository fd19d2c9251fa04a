"""Settings of the visits service alone (prefix DOORSTEP_VISITS_)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class VisitsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_VISITS_", extra="ignore",
                                      populate_by_name=True)

    timezone: str = Field(
        "Europe/London", description="the schools' local time zone: a sign-out's day, and the "
                                     "times its rules compare, are read in it",
        # DOORSTEP_TIMEZONE, its name while every service's settings held it, is read still
        validation_alias=AliasChoices("DOORSTEP_VISITS_TIMEZONE", "DOORSTEP_TIMEZONE"))
