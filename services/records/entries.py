"""From an integration event to an audit entry: header fields, references and sealed payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.records.chain import HEADER_FIELDS, canonical, digest, header_of, timestamp
from shared.contracts import IntegrationEvent

# Payload fields that name a person or household, by the kind of reference they are.
STAFF_FIELDS = ("requested_by", "assessed_by", "authorised_by", "declined_by", "raised_by",
                "reported_by", "buddy_id", "shared_with", "received_by", "written_by",
                "acknowledged_by")


class Cipher(Protocol):
    def encrypt(self, plaintext: bytes) -> bytes: ...
    def decrypt(self, ciphertext: bytes) -> bytes: ...


class PlainCipher:
    """No encryption: for exports an auditor verifies, and for tests of the chain alone."""

    def encrypt(self, plaintext: bytes) -> bytes:
        return plaintext

    def decrypt(self, ciphertext: bytes) -> bytes:
        return ciphertext


@dataclass(frozen=True)
class Draft:
    """An entry before it has a place in the chain."""

    fields: dict[str, str]
    sealed: bytes
    data: dict[str, Any]

    @property
    def header(self) -> str:
        return header_of([self.fields[name] for name in HEADER_FIELDS])


def body_of(event: IntegrationEvent) -> dict[str, Any]:
    """What the payload digest covers: the event's type and every field it carries."""
    return {"type": event.event_type(), "event": event.model_dump(mode="json")}


def references(data: dict[str, Any]) -> str:
    """The households, pupils and staff an event mentions, as sorted `kind:id` tokens."""
    found: set[str] = set()
    if data.get("household_id"):
        found.add(f"household:{data['household_id']}")
    if data.get("subject_kind") and data.get("subject_id"):  # SubjectShredded names its subject
        found.add(f"{data['subject_kind']}:{data['subject_id']}")
    for pupil in data.get("pupil_ids") or []:
        found.add(f"pupil:{pupil}")
    for staff in data.get("staff_ids") or []:
        found.add(f"staff:{staff}")
    for member in data.get("staff") or []:
        if isinstance(member, dict) and member.get("staff_id"):
            found.add(f"staff:{member['staff_id']}")
    for name in STAFF_FIELDS:
        if isinstance(data.get(name), str) and data[name]:
            found.add(f"staff:{data[name]}")
    for action in data.get("actions") or []:
        if isinstance(action, dict) and action.get("owner"):
            found.add(f"staff:{action['owner']}")
    actor = data.get("actor") or {}
    if actor.get("id"):
        found.add(f"staff:{actor['id']}")
    return " ".join(sorted(found))


def draft(event: IntegrationEvent, recorded_at: datetime, cipher: Cipher) -> Draft:
    body = body_of(event)
    plain = canonical(body)
    sealed = cipher.encrypt(plain)
    data = body["event"]
    fields = {
        "event_id": str(event.event_id),
        "event_type": event.event_type(),
        "schema_version": str(event.schema_version),
        "occurred_at": timestamp(event.occurred_at),
        "recorded_at": timestamp(recorded_at),
        "trust_id": event.trust_id,
        "school_urn": event.school_urn,
        "visit_id": str(event.visit_id) if event.visit_id else "",
        "actor_id": event.actor.id,
        "actor_role": str(event.actor.role),
        "correlation_id": str(event.correlation_id),
        "causation_id": str(event.causation_id) if event.causation_id else "",
        "refs": references(data),
        "corrects": str(data.get("corrects_event_id") or ""),
        "payload_digest": digest(plain),
        "sealed_digest": digest(sealed),
    }
    return Draft(fields=fields, sealed=sealed, data=data)
