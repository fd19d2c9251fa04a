"""What Twilio and GOV.UK Notify send when staff text or call the school's Doorstep number, and
what is answered: Twilio's signed form posts (`X-Twilio-Signature`, checked with Twilio's own
RequestValidator against the public URL it was sent to) answered in TwiML; Notify's inbound text
callback (JSON, with the bearer token set on the callback)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from twilio.request_validator import RequestValidator

PIN_DIGITS = 8  # PINs are 4 to 8 digits; a shorter one ends with the hash key

CHECKED_IN = "Doorstep: checked in. Thank you. Reply OK at your next check-in."
UNCLEAR = "Doorstep: NOT checked in. Reply OK to check in."
NO_VISIT_OUT = "Doorstep: NOT checked in: you have no visit out."
NOT_ON_SITE = "Doorstep: NOT checked in: record your arrival at the address first."
SAID_CHECKED_IN = "Thank you. You are checked in. Goodbye."
KEY_PIN = "Doorstep. Key your check-in PIN, then the hash key."
KEY_PIN_AGAIN = "That PIN was not right. Key your check-in PIN, then the hash key."
NOT_ON_THIS_CALL = "Doorstep cannot check you in on this call. Phone the school. Goodbye."
NO_PIN_KEYED = "No PIN was keyed. Goodbye."


@dataclass(frozen=True)
class Inbound:
    """One inbound request, as the rules need it, whichever provider sent it."""

    provider: str
    channel: str
    message_id: str
    number: str
    text: str = ""


def twilio_signed(auth_token: str, url: str, form: dict[str, str], given: str) -> bool:
    return bool(auth_token) and bool(RequestValidator(auth_token).validate(url, form, given))


def twilio_sms(form: dict[str, str]) -> Inbound:
    return Inbound("twilio", "sms", form.get("MessageSid", "")[:100], form.get("From", ""),
                   form.get("Body", ""))


def twilio_call(form: dict[str, str], step: str = "") -> Inbound:
    sid = form.get("CallSid", "")[:80]
    return Inbound("twilio", "voice", f"{sid}{step}", form.get("From", ""),
                   form.get("Digits", ""))


class NotifyInbound(BaseModel):
    """GOV.UK Notify's received-text callback, as documented; other fields ignored."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=64)
    source_number: str = Field(min_length=1, max_length=30)
    destination_number: str = Field("", max_length=30)
    message: str = Field(max_length=2000)
    date_received: datetime | None = None

    def request(self) -> Inbound:
        return Inbound("notify", "sms", self.id, self.source_number, self.message)


def notify_bearer_ok(expected: str, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), f"Bearer {expected}".encode())


def twiml(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


def message(text: str) -> str:
    return f"<Message>{escape(text)}</Message>"


def say(text: str) -> str:
    return f'<Say language="en-GB">{escape(text)}</Say>'


def hang_up(text: str) -> str:
    return twiml(say(text), "<Hangup/>")


def gather_pin(prompt: str, action: str) -> str:
    """Ask for the PIN; Twilio posts the digits to `action` (a URL of ours, so signed)."""
    return twiml(f'<Gather input="dtmf" numDigits="{PIN_DIGITS}" finishOnKey="#" timeout="10" '
                 f'method="POST" action="{escape(action)}">{say(prompt)}</Gather>',
                 say(NO_PIN_KEYED), "<Hangup/>")


def form_of(items: Any) -> dict[str, str]:
    return {str(name): str(value) for name, value in items}
