"""What the escalation application is given: the length of a policy minute, and its channels."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Timing:
    minute: float = 60.0  # seconds in a policy minute
    late_after: float = 5.0


@dataclass(frozen=True)
class Channels:
    sms: bool = False  # some school has a text provider
    webhook_url: str | None = None
    max_attempts: int = 5
    backoff_seconds: float = 1.0
    ack_link_minutes: float = 120.0  # how long an acknowledge link in a text works
    email: bool = False  # a mail server (or GOV.UK Notify) is set up
    teams: bool = True  # Teams webhooks need nothing but the contact's URL
    # each school's text provider (the default for a school not named) and whether it calls
    providers: dict[str, str] = field(default_factory=dict)
    default_provider: str = "fake"

    def provider(self, school_urn: str) -> str:
        return self.providers.get(school_urn, self.default_provider)

    def texts(self, school_urn: str) -> bool:
        return self.sms and self.provider(school_urn) != "none"

    def calls(self, school_urn: str) -> bool:
        """GOV.UK Notify sends texts and emails but makes no calls."""
        return self.texts(school_urn) and self.provider(school_urn) != "notify"
