"""What records tells Prometheus about the audit trail: how long it is, and when every trust's
chain was last verified intact (a scheduled verification, `DOORSTEP_RECORDS_VERIFY_SECONDS`)."""

from __future__ import annotations

import logging
import time

from prometheus_client import Gauge

from services.records.trail import Trail

log = logging.getLogger(__name__)

ENTRIES = Gauge("doorstep_records_trail_entries",
                "Entries in the audit trail, every trust's chain together")
LAST_VERIFIED = Gauge(
    "doorstep_records_trail_last_verified_timestamp_seconds",
    "When every trust's chain and checkpoints were last verified intact (Unix time)")
BROKEN = Gauge("doorstep_records_trail_broken_chains",
               "Trusts whose chain failed its last scheduled verification")


def observe(trail: Trail) -> None:
    ENTRIES.set(sum(trail.head(trust)[0] for trust in trail.trusts()))


def verify_every_chain(trail: Trail) -> int:
    """Verify each trust's chain; the time is kept only when all are intact. Returns how many
    are broken (each one logged, naming the first entry that differs)."""
    broken = 0
    for trust in trail.trusts():
        verdict = trail.verify(trust)
        if not verdict.intact:
            broken += 1
            log.error("the audit trail of %s does not verify: %s", trust, verdict.as_dict())
    BROKEN.set(broken)
    if not broken:
        LAST_VERIFIED.set(time.time())
    return broken
