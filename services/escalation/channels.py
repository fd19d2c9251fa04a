"""Email (SMTP) and Microsoft Teams (an incoming webhook): the channels besides texts and calls."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

from services.escalation.notify import Outbound, SendFailed


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = True


class EmailSender:
    """Sends through the school's or trust's mail server (Python's smtplib, in a thread)."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp

    async def send(self, outbound: Outbound) -> str:
        message = EmailMessage()
        message["From"], message["To"] = self.smtp.sender, outbound.to
        level = outbound.message.get("level")
        message["Subject"] = f"Doorstep escalation, level {level}: act now"
        message.set_content(outbound.text)
        try:
            await asyncio.to_thread(self._send, message)
        except (smtplib.SMTPException, OSError) as error:
            raise SendFailed(f"the mail server refused: {type(error).__name__}: {error}"
                             ) from error
        return f"smtp:{message['To']}"

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=10) as server:
            if self.smtp.starttls:
                server.starttls()
            if self.smtp.username:
                server.login(self.smtp.username, self.smtp.password)
            server.send_message(message)


async def post_teams(client: httpx.AsyncClient, url: str, text: str) -> str:
    """A Teams channel's incoming webhook takes a JSON message with its text."""
    try:
        answer = await client.post(url, json={"text": text}, timeout=10.0)
    except httpx.HTTPError as error:
        raise SendFailed(f"Teams unreachable: {type(error).__name__}") from error
    if answer.status_code >= 300:
        raise SendFailed(f"Teams refused: HTTP {answer.status_code}")
    return f"teams: HTTP {answer.status_code}"
