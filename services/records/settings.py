"""Settings of the records service (prefix DOORSTEP_RECORDS_)."""

from __future__ import annotations

from datetime import time

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RecordsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_RECORDS_", extra="ignore")

    working_day_end: time = Field(time(17, 0), description="default end of a school's day")
    working_day_ends: dict[str, time] = Field(
        default_factory=dict, description='per school, JSON: {"123456": "16:30"}')
    timezone: str = "Europe/London"
    checkpoint_seconds: float = Field(60.0, gt=0, description="how often heads are anchored")
    overdue_check_seconds: float = Field(15.0, gt=0)

    def day_end(self, school_urn: str) -> time:
        return self.working_day_ends.get(school_urn, self.working_day_end)
