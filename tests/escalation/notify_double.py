"""A local GOV.UK Notify: the documented /v2/notifications/sms and /email (a JWT signed with the
API key's secret, iss = the service id), and the delivery receipts Notify posts back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import httpx
import jwt

SERVICE_ID, SECRET = str(uuid4()), str(uuid4())
API_KEY = f"doorstep_test-{SERVICE_ID}-{SECRET}"
CALLBACK_TOKEN = "notify-callback-token-for-tests-0001"
SMS_TEMPLATE, EMAIL_TEMPLATE = str(uuid4()), str(uuid4())


@dataclass
class LocalNotify:
    url: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    down: bool = False  # every message refused, as Notify does in an outage (HTTP 500)

    def of(self, kind: str, to: str | None = None) -> list[dict[str, Any]]:
        key = "phone_number" if kind == "sms" else "email_address"
        return [s for s in self.sent if s["kind"] == kind and (to is None or s[key] == to)]

    def receipt(self, callback_url: str, sent: dict[str, Any], status: str,
                token: str = CALLBACK_TOKEN) -> httpx.Response:
        body = {"id": sent["id"], "reference": sent["reference"], "status": status,
                "notification_type": sent["kind"], "to": "redacted",
                "created_at": "2026-11-25T10:00:00.000000Z"}
        return httpx.post(callback_url, json=body, timeout=10,
                          headers={"Authorization": f"Bearer {token}"})


def text_in(callback_url: str, source_number: str, message: str, *, to: str = "07700900000",
            notification_id: str | None = None, token: str = CALLBACK_TOKEN) -> httpx.Response:
    """Notify's received-text callback, as documented: JSON, with the callback's bearer token."""
    body = {"id": notification_id or str(uuid4()), "source_number": source_number,
            "destination_number": to, "message": message,
            "date_received": "2026-11-25T10:00:00.000000Z"}
    return httpx.post(callback_url, json=body, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})


@contextmanager
def local_notify() -> Iterator[LocalNotify]:
    notify = LocalNotify()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(size))
            kind = self.path.removeprefix("/v2/notifications/")
            token = self.headers.get("authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"])
                fresh = abs(time.time() - claims["iat"]) < 30 and claims["iss"] == SERVICE_ID
            except (jwt.InvalidTokenError, KeyError):
                fresh = False
            template = SMS_TEMPLATE if kind == "sms" else EMAIL_TEMPLATE
            if notify.down:
                notify.refused += 1
                return self._json(500, {"errors": [{"error": "Exception",
                                                    "message": "Internal server error"}]})
            if not fresh or kind not in ("sms", "email") or body.get("template_id") != template:
                notify.refused += 1
                return self._json(403 if not fresh else 400, {"errors": [{"error": "refused"}]})
            sent = {"kind": kind, "id": str(uuid4()), **body}
            notify.sent.append(sent)
            self._json(201, {"id": sent["id"], "reference": body.get("reference")})

        def _json(self, status: int, value: Any) -> None:
            data = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    notify.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield notify
    finally:
        server.shutdown()
