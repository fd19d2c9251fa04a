"""One notification to one contact over one channel, with every attempt recorded. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.meta import Meta


class Delivery(Aggregate):
    """Retried with backoff until delivered or out of attempts. A receipt is not an acknowledgement."""

    @staticmethod
    def create_id(escalation_id: UUID, step: int, channel: str, recipient_id: str) -> UUID:
        return uuid5(NAMESPACE_URL,
                     f"doorstep:escalation:delivery:{escalation_id}:{step}:{channel}:{recipient_id}")

    @event("Requested")
    def __init__(self, escalation_id: UUID, step: int, channel: str, recipient_id: str,
                 visit_id: UUID, level: int, address: str, message: dict[str, Any],
                 max_attempts: int, backoff_seconds: float, at: datetime, meta: Meta) -> None:
        self.escalation_id = escalation_id
        self.step = step
        self.visit_id = visit_id
        self.level = level
        self.channel = channel
        self.recipient_id = recipient_id
        self.address = address
        self.message = message
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.attempts = 0
        self.next_at: datetime | None = at
        self.delivered = False
        self.meta = meta
        self.receipt: str | None = None  # the provider's last word: delivered, or why it failed

    def next_due(self) -> datetime | None:
        return self.next_at

    def record_attempt(self, delivered: bool, detail: str, at: datetime) -> None:
        attempt = self.attempts + 1
        final = delivered or attempt >= self.max_attempts
        # WebhookBackoff: 1x, 2x, 4x ... the base, so a struggling receiver is not hammered.
        retry_at = None if final else at + timedelta(
            seconds=self.backoff_seconds * 2 ** (attempt - 1))
        self._attempted(self.escalation_id, self.level, self.channel, self.recipient_id, attempt,
                        delivered, detail, final, at, retry_at, self.meta)

    @event("Attempted")
    def _attempted(self, escalation_id: UUID, level: int, channel: str, recipient_id: str,
                   attempt: int, delivered: bool, detail: str, final: bool, at: datetime,
                   retry_at: datetime | None, meta: Meta) -> None:
        self.attempts = attempt
        self.delivered = delivered
        self.next_at = retry_at

    def record_receipt(self, outcome: str, detail: str, at: datetime) -> bool:
        """The provider's delivery receipt (its status callback). True if this changed anything:
        a provider repeats callbacks, and only the first final one counts."""
        if outcome not in RECEIPTS:
            raise ValueError(f"a receipt is one of {', '.join(RECEIPTS)}, not {outcome!r}")
        if self.receipt is not None:
            return False
        self._receipted(self.escalation_id, self.level, self.channel, self.recipient_id, outcome,
                        detail, at, self.meta)
        return True

    @event("Receipted")
    def _receipted(self, escalation_id: UUID, level: int, channel: str, recipient_id: str,
                   outcome: str, detail: str, at: datetime, meta: Meta) -> None:
        self.receipt = outcome
        self.next_at = None

    @property
    def failed(self) -> bool:
        """VoicemailIsNotAnAnswer: a message left on voicemail reached nobody."""
        return self.receipt in ("failed", "no_answer", "voicemail") or (
            self.next_at is None and not self.delivered and self.attempts > 0
            and self.receipt is None)


# What a provider can say about one message or call, in the end.
RECEIPTS = ("delivered", "answered", "failed", "no_answer", "voicemail")
# FailedGoesToTheNextChannel: a text that did not arrive becomes a call, and a call nobody
# answered becomes a text, so each person is tried every way Doorstep has.
NEXT_CHANNEL = {"sms": "voice", "voice": "sms"}


def role_of(delivery: Delivery) -> str:
    """The role the delivery's recipient was told as (a buddy is in no directory)."""
    for contact in delivery.message.get("contacts", []):
        if contact["person_id"] == delivery.recipient_id:
            return str(contact["role"])
    return "buddy"
