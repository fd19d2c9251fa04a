"""Settings of the web pages (prefix DOORSTEP_WEB_)."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.http.serve import DEFAULT_PORTS

DEV_SESSION_SECRET = "doorstep-dev-session-secret-change-me"  # noqa: S105


def _url(name: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_PORTS[name]}"


def _also(name: str) -> AliasChoices:
    """The pages' own setting, else escalation's: one provider account serves both."""
    return AliasChoices(f"DOORSTEP_WEB_ALARM_{name}", f"DOORSTEP_ESCALATION_{name}")


class SafetyLead(BaseModel):
    """A trust safety lead as the pages reach them when escalation cannot."""

    name: str = Field(min_length=1, max_length=120)
    mobile: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{7,20}$")
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$")


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
    # --- who watches the watcher (services/web/watching.py) ---
    escalation_silent_seconds: float = Field(
        15.0, gt=0, description="escalation unheard this long while visits are out: the alarm")
    provider_failing_seconds: float = Field(
        60.0, gt=0, description="a provider failing every message this long: the alarm")
    safety_leads: dict[str, list[SafetyLead]] = Field(
        default_factory=dict, description='per trust, JSON: {"west-norfolk": [{"name": "Sam '
                                          'Okafor", "mobile": "+447700900104", "email": ...}]}')
    alarm_gateway: str = Field(
        "none", pattern=r"^(none|twilio|notify|fake:.+)$",
        description="how the pages text the safety leads: twilio, notify, or fake:<path>",
        validation_alias=_also("GATEWAY"))
    alarm_notify_api_url: str = Field("https://api.notifications.service.gov.uk",
                                      validation_alias=_also("NOTIFY_API_URL"))
    alarm_notify_api_key: str = Field("", validation_alias=_also("NOTIFY_API_KEY"))
    alarm_notify_sms_template: str = Field("", validation_alias=_also("NOTIFY_SMS_TEMPLATE"))
    alarm_notify_email_template: str = Field("", validation_alias=_also("NOTIFY_EMAIL_TEMPLATE"))
    alarm_twilio_api_url: str = Field("https://api.twilio.com",
                                      validation_alias=_also("TWILIO_API_URL"))
    alarm_twilio_account_sid: str = Field("", validation_alias=_also("TWILIO_ACCOUNT_SID"))
    alarm_twilio_auth_token: str = Field("", validation_alias=_also("TWILIO_AUTH_TOKEN"))
    alarm_twilio_from: str = Field("", validation_alias=_also("TWILIO_FROM"))
    alarm_smtp_host: str = Field("", validation_alias=_also("SMTP_HOST"))
    alarm_smtp_port: int = Field(587, validation_alias=_also("SMTP_PORT"))
    alarm_smtp_from: str = Field("doorstep@localhost", validation_alias=_also("SMTP_FROM"))
    alarm_smtp_username: str = Field("", validation_alias=_also("SMTP_USERNAME"))
    alarm_smtp_password: str = Field("", validation_alias=_also("SMTP_PASSWORD"))
    alarm_smtp_starttls: bool = Field(True, validation_alias=_also("SMTP_STARTTLS"))
