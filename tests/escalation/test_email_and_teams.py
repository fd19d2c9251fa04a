"""Escalation emails through a real SMTP conversation (aiosmtpd as the mail server) and posts to a
Teams channel's incoming webhook (a local server taking its JSON); the email's link acknowledges."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from shared.runtime.launcher import free_port
from shared.security.tokens import mint_token
from shared.testing.polling import until
from shared.testing.sealing import sealer_for
from tests.escalation.story import SCHOOL, TRUST, Visit, bus
from tests.escalation.test_twilio import WAIT

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@contextmanager
def teams_channel() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    posts: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("content-length", 0))
            posts.append(json.loads(self.rfile.read(size)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"1")

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhookb2/doorstep", posts
    finally:
        server.shutdown()


async def test_a_senior_leader_is_emailed_and_posted_to_teams_and_acknowledges_from_the_email(
        make_settings, make_cluster, tmp_path) -> None:
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with teams_channel() as (teams_url, posts):
            settings = make_settings(default_trust=TRUST)
            cluster = make_cluster(settings, names=("escalation",), start=False)
            service = cluster["escalation"]
            service.env.update({
                "DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1",
                "DOORSTEP_ESCALATION_GATEWAY": f"fake:{tmp_path / 'sms.jsonl'}",
                "DOORSTEP_ESCALATION_SMTP_HOST": "127.0.0.1",
                "DOORSTEP_ESCALATION_SMTP_PORT": str(smtp.port),
                "DOORSTEP_ESCALATION_SMTP_FROM": "doorstep@school.example",
                "DOORSTEP_ESCALATION_SMTP_STARTTLS": "false",
                "DOORSTEP_ESCALATION_PUBLIC_URL": service.url})
            cluster.start()
            token = mint_token(settings, user="dsl-0001", role="dsl", schools=[SCHOOL],
                               trust=TRUST)
            contacts = {"contacts": [
                {"person_id": "slt-0001", "role": "slt", "email": "slt@school.example",
                 "teams_webhook_url": teams_url},
                {"person_id": "head-0001", "role": "headteacher", "phone": "07700 900102"}]}
            httpx.put(f"{service.url}/v1/schools/{SCHOOL}/escalation-contacts", json=contacts,
                      headers={"Authorization": f"Bearer {token}"}).raise_for_status()
            visit = Visit(sealer=sealer_for(settings))
            async with bus(settings) as nats_bus:
                await nats_bus.publish(
                    visit.authorised(interval=5, level2_after_minutes=5,
                                     level3_after_minutes=240),
                    visit.departed(arrive_in=timedelta(seconds=1), back_in=timedelta(hours=1)),
                    visit.arrived())
                [mail] = await until(lambda: mailbox.messages, "an email to the senior leader",
                                     seconds=WAIT)
                [post] = await until(lambda: posts, "a post to the Teams channel", seconds=WAIT)
        assert mail["To"] == "slt@school.example"
        assert mail["Subject"] == "Doorstep escalation, level 2: act now"
        assert isinstance(mail, EmailMessage)
        body = mail.get_content()
        assert "missed a check-in" in body
        assert "Senior leader" in body
        assert "missed a check-in" in post["text"]
        link = re.search(r"(http://\S+/a/[A-Za-z0-9_-]+)", body)
        assert link, body
        taken = httpx.post(link.group(1))
        assert "acknowledged by slt-0001" in taken.text
    finally:
        smtp.stop()
