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
    verify_seconds: float = Field(3600.0, gt=0, description="how often every trust's chain is "
                                                            "verified (the trail-verified metric)")
    retention_years: int = Field(
        6, ge=1, le=100, description="years a household's visit records are kept after its "
                                     "last visit (child-protection records are held longer)")
    retention_years_by_school: dict[str, int] = Field(
        default_factory=dict, description='per school, JSON: {"123456": 7}')

    def retention_years_for(self, school_urn: str) -> int:
        return self.retention_years_by_school.get(school_urn, self.retention_years)

    def day_end(self, school_urn: str) -> time:
        return self.working_day_ends.get(school_urn, self.working_day_end)
