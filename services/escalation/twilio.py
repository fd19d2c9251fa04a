"""Twilio, through its documented REST API: texts (Messages), calls with a spoken message and a
keypress to acknowledge (Calls with TwiML <Gather>), and its signed status callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from html import escape
from uuid import UUID

import httpx

from services.escalation.notify import Outbound, SendFailed

# Twilio's final statuses, as Doorstep's receipts (VoicemailIsNotAnAnswer: a machine is a failure).
MESSAGE_OUTCOMES = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}
CALL_OUTCOMES = {"busy": "no_answer", "no-answer": "no_answer", "failed": "failed",
                 "canceled": "failed"}


class TwilioGateway:
    def __init__(self, api_url: str, account_sid: str, auth_token: str, sender: str,
                 public_url: str) -> None:
        self.base = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}"
        self.auth = (account_sid, auth_token)
        self.sender = sender
        self.public_url = public_url.rstrip("/")
        self.client = httpx.AsyncClient(timeout=10.0)

    def status_url(self, delivery_id: UUID) -> str:
        return f"{self.public_url}/v1/notifications/twilio/status?delivery={delivery_id}"

    async def send(self, outbound: Outbound) -> str:
        form = {"To": outbound.to, "From": self.sender,
                "StatusCallback": self.status_url(outbound.delivery_id)}
        if outbound.channel == "sms":
            form["Body"] = outbound.text
            resource = "Messages.json"
        elif outbound.channel == "voice":
            keypress = (f"{self.public_url}/v1/notifications/twilio/keypress?"
                        f"delivery={outbound.delivery_id}")
            form.update(Twiml=twiml_call(outbound.text, keypress), MachineDetection="Enable",
                        StatusCallbackEvent="completed")
            resource = "Calls.json"
        else:
            raise SendFailed(f"Twilio does not carry {outbound.channel}")
        try:
            answer = await self.client.post(f"{self.base}/{resource}", data=form, auth=self.auth)
        except httpx.HTTPError as error:
            raise SendFailed(f"Twilio unreachable: {type(error).__name__}") from error
        if answer.status_code >= 300:
            raise SendFailed(f"Twilio refused: HTTP {answer.status_code} "
                             f"{answer.text[:200]}")
        return str(answer.json().get("sid", ""))


def twiml_call(text: str, keypress_url: str) -> str:
    said = escape(text)
    return ('<Response><Gather input="dtmf" numDigits="1" method="POST" '
            f'action="{escape(keypress_url)}"><Say>{said} Press 1 to say you are dealing with '
            f'it.</Say></Gather><Say>{said}</Say></Response>')


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 of the URL and the sorted POST parameters."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed(auth_token: str, url: str, params: Mapping[str, str], given: str) -> bool:
    return bool(auth_token) and hmac.compare_digest(signature(auth_token, url, params), given)


def outcome_of(params: Mapping[str, str]) -> str | None:
    """A final outcome from a status callback; None for a step on the way (queued, ringing)."""
    if "MessageStatus" in params:
        return MESSAGE_OUTCOMES.get(params["MessageStatus"])
    status = params.get("CallStatus", "")
    if status == "completed":
        return "voicemail" if params.get("AnsweredBy", "").startswith("machine") else "answered"
    return CALL_OUTCOMES.get(status)
