"""Poison messages: refused on purpose and recorded in the service's own store, never swallowed."""

from __future__ import annotations

import contextlib
import sys
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic, register_topic


class RefusedMessage(Aggregate):
    """A message this service will not process, with why. One per stream message."""

    @event("Refused")
    def __init__(self, stream: str, stream_sequence: int, subject: str, reason: str,
                 headers: dict[str, str], body_excerpt: str) -> None:
        self.stream = stream
        self.stream_sequence = stream_sequence
        self.subject = subject
        self.reason = reason
        self.headers = headers
        self.body_excerpt = body_excerpt

    @staticmethod
    def create_id(stream: str, stream_sequence: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:refused:{stream}:{stream_sequence}")


def record_refusal(app: Application[Any], *, stream: str, stream_sequence: int, subject: str,
                   reason: str, headers: dict[str, str], body: bytes) -> UUID:
    """Store the refusal once, however often the message is delivered."""
    refused = RefusedMessage(stream, stream_sequence, subject, reason, headers,
                             body[:2000].decode("utf-8", "replace"))
    with contextlib.suppress(IntegrityError):
        app.save(refused)
    return refused.id


def list_refusals(app: Application[Any], limit: int = 500) -> list[RefusedMessage]:
    """The refused messages in the order they were refused (the oldest first)."""
    topics = [get_topic(RefusedMessage.Refused), FORMER_TOPIC]  # type: ignore[attr-defined]
    notifications = app.recorder.select_notifications(start=None, limit=limit, topics=topics)
    return [app.repository.get(n.originator_id) for n in notifications]


# Events stored before the layout move name this module `shared.refusals`.
register_topic("shared.refusals", sys.modules[__name__])
FORMER_TOPIC = "shared.refusals:RefusedMessage.Refused"
