"""Settings of the authorisation service alone (prefix DOORSTEP_AUTHORISATION_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthorisationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_AUTHORISATION_", extra="ignore")

    packs_dir: Path | None = Field(None, description="a folder of the trust's own pack files")
    default_pack: str = Field("trust-default", description="the pack of unassigned schools")
