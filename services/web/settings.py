"""Settings of the web pages (prefix DOORSTEP_WEB_)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.http.serve import DEFAULT_PORTS

DEV_SESSION_SECRET = "doorstep-dev-session-secret-change-me"  # noqa: S105


def _url(name: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_PORTS[name]}"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOORSTEP_WEB_", extra="ignore",
                                      populate_by_name=True)

    visits_url: str = Field(default_factory=lambda: _url("visits"))
    authorisation_url: str = Field(default_factory=lambda: _url("authorisation"))
    escalation_url: str = Field(default_factory=lambda: _url("escalation"))
    records_url: str = Field(default_factory=lambda: _url("records"))
    session_secret: str = DEV_SESSION_SECRET
    session_hours: float = Field(12.0, gt=0, le=24)
    history_hours: float = Field(24.0, gt=0, description="how far back the board reads events")
    public_url: str | None = Field(None, description="the pages' address as people reach it, "
                                                     "e.g. https://doorstep.example-trust.org.uk")
    oidc_client_secrets: dict[str, str] = Field(
        default_factory=dict, description='per trust, JSON: {"west-norfolk": "..."}')
    timezone: str = Field(
        "Europe/London", description="the time zone of a school whose own is not known yet",
        validation_alias=AliasChoices("DOORSTEP_WEB_TIMEZONE", "DOORSTEP_TIMEZONE"))
