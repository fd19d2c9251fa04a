"""Notification channels: a signed webhook, and a port for SMS and voice gateways (fake for tests)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any, Protocol

import httpx

SIGNATURE_HEADER = "X-Doorstep-Signature"
TIMESTAMP_HEADER = "X-Doorstep-Timestamp"


class SendFailed(Exception):
    """The channel did not take the message; the attempt is recorded and retried."""


class Gateway(Protocol):
    """An SMS and voice gateway. `send` returns the gateway's receipt id or raises SendFailed."""

    async def send(self, channel: str, to: str, text: str, message: dict[str, Any]) -> str: ...


class FakeGateway:
    """Writes each message as a JSON line, so tests (in other processes) can read what was sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, channel: str, to: str, text: str, message: dict[str, Any]) -> str:
        line = {"channel": channel, "to": to, "text": text, **message}
        with self.path.open("a") as out:
            out.write(json.dumps(line) + "\n")
        return f"fake-{time.time_ns()}"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<body>`: the receiver checks both, so replays are visible."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


async def post_webhook(client: httpx.AsyncClient, url: str, secret: str, delivery_id: str,
                       message: dict[str, Any]) -> str:
    body = json.dumps(message, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: sign(secret, timestamp, body),
               "X-Doorstep-Delivery": delivery_id}
    try:
        response = await client.post(url, content=body, headers=headers, timeout=5.0)
    except httpx.HTTPError as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 300:
        raise SendFailed(f"HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def sms_text(message: dict[str, Any]) -> str:
    """No names or addresses: the person looks the visit up in Doorstep."""
    return (f"Doorstep escalation level {message['level']} ({message['trigger']}) for visit "
            f"{str(message['visit_id'])[:8]} at school {message['school_urn']}. "
            "Acknowledge it in Doorstep now.")
