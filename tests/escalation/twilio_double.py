"""A local Twilio: the documented Messages and Calls resources (form-encoded, basic auth), and
the status callbacks and keypresses Twilio sends back, signed as Twilio signs them."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from uuid import uuid4

import httpx

from services.escalation.twilio import signature

SID, TOKEN, SENDER = "AC" + "0" * 32, "twilio-auth-token-for-tests", "+447700900000"


@dataclass
class Sent:
    kind: str  # "sms" or "voice"
    sid: str
    form: dict[str, str]
    at: float = 0.0

    @property
    def to(self) -> str:
        return self.form["To"]


@dataclass
class LocalTwilio:
    url: str = ""
    sent: list[Sent] = field(default_factory=list)
    refused: int = 0

    def of(self, kind: str, to: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind and (to is None or s.to == to)]

    def status(self, sent: Sent, **params: str) -> httpx.Response:
        """Twilio's status callback for `sent`: POSTed, signed, to its StatusCallback URL."""
        form = {("MessageSid" if sent.kind == "sms" else "CallSid"): sent.sid,
                "AccountSid": SID, **params}
        return self._signed(sent.form["StatusCallback"], form)

    def press(self, sent: Sent, digits: str) -> httpx.Response:
        action = re.search(r'action="([^"]+)"', sent.form["Twiml"])
        assert action, sent.form["Twiml"]
        url = action.group(1).replace("&amp;", "&")
        return self._signed(url, {"CallSid": sent.sid, "AccountSid": SID, "Digits": digits})

    # --- what Twilio posts when someone texts or calls one of the account's numbers ---

    def text_in(self, webhook: str, sender: str, body: str, *, to: str = SENDER,
                sid: str | None = None, token: str = TOKEN) -> httpx.Response:
        """An inbound text, POSTed to the number's messaging webhook as Twilio posts it."""
        form = {"MessageSid": sid or "SM" + uuid4().hex, "AccountSid": SID, "From": sender,
                "To": to, "Body": body, "NumMedia": "0", "FromCountry": "GB"}
        return self._signed(webhook, form, token)

    def call_in(self, webhook: str, sender: str, *, to: str = SENDER, sid: str | None = None
                ) -> tuple[str, httpx.Response]:
        """An inbound call ringing the number's voice webhook; the call's sid and the TwiML."""
        call_sid = sid or "CA" + uuid4().hex
        form = {"CallSid": call_sid, "AccountSid": SID, "From": sender, "To": to,
                "CallStatus": "ringing", "Direction": "inbound"}
        return call_sid, self._signed(webhook, form)

    def key_in(self, twiml: str, call_sid: str, sender: str, digits: str, *, to: str = SENDER
               ) -> httpx.Response:
        """Keys pressed at a <Gather>: POSTed to its action, as Twilio does."""
        action = re.search(r'<Gather[^>]* action="([^"]+)"', twiml)
        assert action, twiml
        url = action.group(1).replace("&amp;", "&")
        form = {"CallSid": call_sid, "AccountSid": SID, "From": sender, "To": to,
                "Digits": digits, "FinishedOnKey": "#", "CallStatus": "in-progress"}
        return self._signed(url, form)

    def _signed(self, url: str, form: dict[str, str], token: str = TOKEN) -> httpx.Response:
        headers = {"X-Twilio-Signature": signature(token, url, form)}
        return httpx.post(url, data=form, headers=headers, timeout=30)


class Server(ThreadingHTTPServer):
    request_queue_size = 256  # Twilio takes many requests at once; the default backlog is 5
    daemon_threads = True


@contextmanager
def local_twilio() -> Iterator[LocalTwilio]:
    twilio = LocalTwilio()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            auth = self.headers.get("authorization", "")
            expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
            size = int(self.headers.get("content-length", 0))
            form = dict(parse_qsl(self.rfile.read(size).decode()))
            match = re.fullmatch(rf"/2010-04-01/Accounts/{SID}/(Messages|Calls)\.json", self.path)
            if auth != expected or not match:
                with lock:
                    twilio.refused += 1
                return self._json(401 if auth != expected else 404, {"code": 20003})
            kind = "sms" if match.group(1) == "Messages" else "voice"
            sid = ("SM" if kind == "sms" else "CA") + uuid4().hex
            with lock:
                twilio.sent.append(Sent(kind, sid, form, time.monotonic()))
            self._json(201, {"sid": sid, "status": "queued", "to": form.get("To")})

        def _json(self, status: int, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = Server(("127.0.0.1", 0), Handler)
    twilio.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield twilio
    finally:
        server.shutdown()
