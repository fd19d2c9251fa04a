"""Notification channels: a signed webhook, and a port for SMS and voice gateways (Twilio in
`twilio.py`; a fake that writes JSON lines, for tests)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import httpx

from services.escalation.naming import ByIds, Naming, listed

SIGNATURE_HEADER = "X-Doorstep-Signature"
TIMESTAMP_HEADER = "X-Doorstep-Timestamp"


class SendFailed(Exception):
    """The channel did not take the message; the attempt is recorded and retried."""


@dataclass(frozen=True)
class Outbound:
    """One text or call to one person: what to say and where, and which delivery it is."""

    channel: str
    to: str
    text: str
    delivery_id: UUID
    message: dict[str, Any]


class Gateway(Protocol):
    """An SMS and voice gateway. `send` returns the gateway's receipt id or raises SendFailed."""

    async def send(self, outbound: Outbound) -> str: ...


class FakeGateway:
    """Writes each message as a JSON line, so tests (in other processes) can read what was sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, outbound: Outbound) -> str:
        line = {"channel": outbound.channel, "to": outbound.to, "text": outbound.text,
                "delivery_id": str(outbound.delivery_id), **outbound.message}
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


BY_IDS = ByIds()
WHAT = {"arrival_overdue": "did not arrive when expected",
        "check_in_missed": "missed a check-in", "no_one_home_wait": "did not report back after "
        "no one was home", "return_overdue": "is not back at school when expected",
        "duress": "raised DURESS"}
# The policies' words for what to do next, by level (west-norfolk-academies-trust 2.7; ordsall).
NEXT = {1: "Try each member of staff on the visit now.",
        2: "Senior leader: the buddy could not make contact. Try each member of staff, and "
           "consider calling the police.",
        3: "Headteacher: decide now whether to call the police (999).",
        4: "Nobody has acknowledged this. Act now: try the staff, then call 999."}


def sms_text(message: dict[str, Any], public_url: str = "", naming: Naming = BY_IDS) -> str:
    """What a buddy needs and nothing more: the school, who (by name), what was missed, what to
    do, and the link that says they are dealing with it. Never an address."""
    urn = str(message["school_urn"])
    staff = listed([naming.person(urn, s) for s in message.get("on_visit") or []]) or "Staff"
    level = int(message["level"])
    what = WHAT.get(str(message["trigger"]), str(message["trigger"]))
    todo = ("Call 999 now if you cannot reach them." if message["trigger"] == "duress"
            else NEXT.get(level, NEXT[4]))
    text = f"{naming.school(urn)}: {staff} {what}. {todo}"
    if message.get("ack_code") and public_url:
        text += f" I'm dealing with it: {public_url.rstrip('/')}/a/{message['ack_code']}"
    return text
