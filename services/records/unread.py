"""A message on the stream that records could not interpret still gets its place in the trail.

The trail is total: every message of a trust's subjects has an entry, in stream order. When one
cannot be read (not a Doorstep event, a contract it does not match) or cannot be appended with
its projections, its entry records what arrived (subject, headers, the body and its digest) and
why it was not interpreted. The entry is sealed like any other; trust IT is told through the
refused-messages list, and the chain verifies as before.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from services.records.chain import canonical, digest, timestamp
from services.records.entries import Cipher, Draft

UNREAD_TYPE = "EventNotInterpreted"


@dataclass(frozen=True)
class UnreadMessage:
    stream: str
    stream_sequence: int
    subject: str
    headers: dict[str, str]
    body: bytes
    reason: str

    @property
    def trust_id(self) -> str:
        parts = self.subject.split(".")
        return (parts[2] if len(parts) > 2 else "unknown")[:64]

    @property
    def school_urn(self) -> str:
        parts = self.subject.split(".")
        return (parts[3] if len(parts) > 3 else "")[:64]


def draft_unread(message: UnreadMessage, recorded_at: datetime, cipher: Cipher) -> Draft:
    try:
        body_text, encoding = message.body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        body_text, encoding = base64.b64encode(message.body).decode(), "base64"
    event_id = f"nats:{message.stream}:{message.stream_sequence}"
    data = {
        "event_id": event_id, "occurred_at": timestamp(recorded_at),
        "trust_id": message.trust_id, "school_urn": message.school_urn,
        "reason": message.reason[:2000], "subject": message.subject,
        "stream": message.stream, "stream_sequence": message.stream_sequence,
        "headers": message.headers, "body": body_text, "body_encoding": encoding,
        "body_digest": digest(message.body),
    }
    plain = canonical({"type": UNREAD_TYPE, "event": data})
    sealed = cipher.encrypt(plain)
    fields = {
        "event_id": event_id, "event_type": UNREAD_TYPE, "schema_version": "1",
        "occurred_at": timestamp(recorded_at), "recorded_at": timestamp(recorded_at),
        "trust_id": message.trust_id, "school_urn": message.school_urn, "visit_id": "",
        "actor_id": "records", "actor_role": "system", "correlation_id": "",
        "causation_id": "", "refs": "", "corrects": "",
        "payload_digest": digest(plain), "sealed_digest": digest(sealed),
    }
    return Draft(fields=fields, sealed=sealed, data=data)
