"""Telling the trust's safety leads when escalation's safety loop is down, without escalation.

The pages speak the providers' documented APIs themselves (GOV.UK Notify, Twilio, a mail server
over SMTP), with the deployment's own provider account, so this path shares no process, queue or
store with the loop it watches. Kept small on purpose: texts and emails, no calls, no receipts.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
import jwt

from services.web.settings import SafetyLead, WebSettings


@dataclass(frozen=True)
class Told:
    channel: str
    delivered: bool
    detail: str


class Teller:
    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.client = httpx.AsyncClient(timeout=10.0)

    def channels(self, lead: SafetyLead) -> list[str]:
        """How this lead can be reached from here: a text and an email, where configured."""
        found = []
        if lead.mobile and self.settings.alarm_gateway != "none":
            found.append("sms")
        if lead.email and (self.settings.alarm_smtp_host or (
                self.settings.alarm_gateway == "notify"
                and self.settings.alarm_notify_email_template)):
            found.append("email")
        return found

    async def tell(self, lead: SafetyLead, channel: str, subject: str, text: str) -> Told:
        try:
            if channel == "sms":
                detail = await self._text(str(lead.mobile), text)
            elif self.settings.alarm_smtp_host:
                detail = await asyncio.to_thread(self._mail, str(lead.email), subject, text)
            else:
                detail = await self._notify("email", str(lead.email), text)
        except (httpx.HTTPError, smtplib.SMTPException, OSError, ValueError) as error:
            return Told(channel, False, f"{type(error).__name__}: {error}")
        return Told(channel, True, detail)

    async def _text(self, mobile: str, text: str) -> str:
        gateway = self.settings.alarm_gateway
        if gateway == "notify":
            return await self._notify("sms", mobile, text)
        if gateway == "twilio":
            s = self.settings
            answer = await self.client.post(
                f"{s.alarm_twilio_api_url.rstrip('/')}/2010-04-01/Accounts/"
                f"{s.alarm_twilio_account_sid}/Messages.json",
                data={"To": mobile, "From": s.alarm_twilio_from, "Body": text},
                auth=(s.alarm_twilio_account_sid, s.alarm_twilio_auth_token))
            answer.raise_for_status()
            return f"twilio {answer.json().get('sid', '')}"
        line = json.dumps({"channel": "sms", "to": mobile, "text": text, "from": "pages"})
        await asyncio.to_thread(_append, Path(gateway.removeprefix("fake:")), line)
        return "fake"

    async def _notify(self, kind: str, to: str, text: str) -> str:
        s = self.settings
        key = s.alarm_notify_api_key
        if len(key) < 74:
            raise ValueError("a GOV.UK Notify API key ends with the service id and secret key")
        token = jwt.encode({"iss": key[-73:-37], "iat": int(time.time())}, key[-36:],
                           algorithm="HS256")
        template = s.alarm_notify_sms_template if kind == "sms" else \
            s.alarm_notify_email_template
        address = "phone_number" if kind == "sms" else "email_address"
        answer = await self.client.post(
            f"{s.alarm_notify_api_url.rstrip('/')}/v2/notifications/{kind}",
            json={address: to, "template_id": template, "personalisation": {"message": text},
                  "reference": "doorstep-safety-alarm"},
            headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return f"notify {answer.json().get('id', '')}"

    def _mail(self, to: str, subject: str, text: str) -> str:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.alarm_smtp_from, to, subject
        message.set_content(text)
        with smtplib.SMTP(s.alarm_smtp_host, s.alarm_smtp_port, timeout=10) as server:
            if s.alarm_smtp_starttls:
                server.starttls()
            if s.alarm_smtp_username:
                server.login(s.alarm_smtp_username, s.alarm_smtp_password)
            server.send_message(message)
        return f"smtp {to}"

    async def close(self) -> None:
        await self.client.aclose()


def _append(path: Path, line: str) -> None:
    """The fake provider, for tests: JSON lines, as escalation's fake gateway writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.write(line + "\n")
