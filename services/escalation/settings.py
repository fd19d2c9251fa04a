"""Settings of the escalation service (environment prefix DOORSTEP_ESCALATION_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from shared.runtime.settings import DoorstepSettings


class EscalationSettings(DoorstepSettings):
    """Timings are in policy minutes; `escalation_minute_seconds` scales them for tests."""

    escalation_minute_seconds: float = Field(60.0, gt=0, description="seconds in a policy minute")
    escalation_tick_seconds: float = Field(0.05, gt=0, description="scheduler wake-up at most")
    escalation_late_after_seconds: float = Field(
        5.0, gt=0, description="a deadline fired later than this after it fell due is marked late")
    escalation_lease_seconds: float = Field(
        3.0, ge=1, description="leader lease in the NATS KV bucket; a standby takes over after it")
    escalation_max_ack_pending: int = Field(64, ge=1, le=1000)
    escalation_webhook_url: str | None = Field(None, description="every notification is POSTed here")
    escalation_webhook_secret: str = Field("doorstep-dev-webhook-secret", min_length=16)
    escalation_webhook_max_attempts: int = Field(5, ge=1, le=20)
    escalation_webhook_backoff_seconds: float = Field(1.0, gt=0)
    escalation_gateway: str = Field(
        "none", pattern=r"^(none|twilio|notify|fake:.+)$",
        description="SMS/voice gateway: none, twilio, notify (GOV.UK Notify: texts and emails, "
                    "no calls), or fake:<path> (JSON lines, for tests)")
    escalation_school_gateways: dict[str, str] = Field(
        default_factory=dict, description='a school\'s own provider, JSON: {"123456": "notify"}')
    escalation_notify_api_url: str = "https://api.notifications.service.gov.uk"
    escalation_notify_api_key: str = ""
    escalation_notify_sms_template: str = Field("", description="a template whose body is "
                                                                "((message))")
    escalation_notify_email_template: str = ""
    escalation_notify_callback_token: str = Field(
        "", description="the bearer token Notify sends with its delivery receipts")
    escalation_twilio_api_url: str = Field("https://api.twilio.com",
                                           description="Twilio's REST API (a test double's)")
    escalation_twilio_account_sid: str = ""
    escalation_twilio_auth_token: str = Field("", description="also checks Twilio's callbacks")
    escalation_twilio_from: str = Field("", description="the number texts and calls come from")
    escalation_public_url: str = Field(
        "http://127.0.0.1:8003", description="where providers' callbacks and people's "
                                             "acknowledge links reach this service")
    escalation_pages_url: str = Field(
        "http://127.0.0.1:8000", description="where people reach the pages (DOORSTEP_WEB_PUBLIC_"
                                             "URL): an acknowledge link's page leads there, to "
                                             "the visit's Home Visits Log, after signing in")
    escalation_ack_link_minutes: float = Field(120.0, gt=0, le=1440)
    escalation_smtp_host: str = Field("", description="mail server for escalation emails")
    escalation_smtp_port: int = 587
    escalation_smtp_from: str = "doorstep@localhost"
    escalation_smtp_username: str = ""
    escalation_smtp_password: str = ""
    escalation_smtp_starttls: bool = True
    escalation_heartbeat_seconds: float = Field(
        5.0, gt=0, le=60, description="how often the scheduler says it is alive (the pages raise "
                                      "the alarm when it stops)")
    escalation_replica: str = Field("", description="replica name in logs and the lease")

    @field_validator("escalation_school_gateways")
    @classmethod
    def _known_providers(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = {urn: kind for urn, kind in value.items() if kind not in ("none", "twilio",
                                                                           "notify")}
        if wrong:
            raise ValueError(f"a school's provider is none, twilio or notify, not {wrong}")
        return value

    def gateway_file(self) -> Path | None:
        if self.escalation_gateway.startswith("fake:"):
            return Path(self.escalation_gateway.removeprefix("fake:"))
        return None

    def lease_bucket(self) -> str:
        """A KV bucket of this deployment's own, so test runs stay isolated."""
        return f"{self.stream_name}_escalation_lease".replace(".", "_")


def escalation_settings(settings: DoorstepSettings | None) -> EscalationSettings:
    if isinstance(settings, EscalationSettings):
        return settings
    if settings is None:
        return EscalationSettings()
    return EscalationSettings(**{**EscalationSettings().model_dump(exclude_unset=True),
                                 **settings.model_dump(exclude_unset=True)})
