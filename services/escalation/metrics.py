"""What escalation tells Prometheus about the safety loop: the scheduler's heartbeat, deadlines
pending and fired (and how late), escalations open by level, and notifications by provider.
Labels are kinds, levels, providers and outcomes: never a visit, a school or a person."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from typing import Any, Protocol
from uuid import UUID

from prometheus_client import Counter, Gauge, Histogram

from shared.observability.metrics import switch


class Index(Protocol):
    """What the deadline index (deadline_index.DeadlineIndex) holds that the gauges read."""

    due: dict[UUID, float]
    kinds: dict[UUID, str]
    open: dict[str, dict[UUID, dict[str, Any]]]
    lock: threading.Lock

LAST_TICK = Gauge(
    "doorstep_escalation_scheduler_last_tick_timestamp_seconds",
    "When this replica's deadline scheduler last went round its loop (Unix time)")
LEADING = Gauge(
    "doorstep_escalation_scheduler_leader",
    "1 while this replica holds the lease and fires deadlines, else 0")
PENDING = Gauge(
    "doorstep_escalation_deadlines_pending",
    "Deadlines waiting to fall due: visit (a check-in or return expected), escalation (the "
    "ladder's next step), delivery (a notification to retry)", ["kind"])
FIRED = Counter(
    "doorstep_escalation_deadlines_fired_total", "Deadlines that fell due and were fired",
    ["kind"])
LATENESS = Histogram(
    "doorstep_escalation_deadline_lateness_seconds",
    "How long after its due time a deadline was fired", ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0))
OPEN = Gauge(
    "doorstep_escalation_open", "Escalations raised and not yet resolved, by ladder level",
    ["level"])
NOTIFICATIONS = Counter(
    "doorstep_escalation_notifications_total",
    "Notification attempts and receipts by provider and channel; outcome sent or failed (the "
    "attempt), or the provider's receipt (delivered, answered, undelivered, ...)",
    ["provider", "channel", "outcome"])
KINDS = {"Watch": "visit", "Escalation": "escalation", "Delivery": "delivery"}


def fired(kind: str, lateness: float) -> None:
    if switch.on:
        FIRED.labels(kind).inc()
        LATENESS.labels(kind).observe(max(0.0, lateness))


def notified(provider: str, channel: str, outcome: str) -> None:
    if switch.on:
        NOTIFICATIONS.labels(provider, channel, outcome).inc()


def observe(index: Index) -> None:
    """Read at each metrics poll: what is pending, and what is open at which level."""
    with index.lock:
        kinds = Tally(index.kinds.get(aggregate_id, "visit") for aggregate_id in index.due)
    for kind in KINDS.values():
        PENDING.labels(kind).set(kinds.get(kind, 0))
    levels = Tally(str(summary.get("level", "")) for school in list(index.open.values())
                   for summary in list(school.values()))
    for level in {"1", "2", "3", *levels}:
        OPEN.labels(level).set(levels.get(level, 0))
