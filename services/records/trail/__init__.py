"""The trust-wide audit trail: append once, in order, hash-chained; read back by subject."""

from __future__ import annotations

from services.records.trail.appending import Also, Appended, Appending
from services.records.trail.base import Clock
from services.records.trail.reading import Reading, Selection
from services.records.trail.verifying import Verifying

__all__ = ["Also", "Appended", "Clock", "Selection", "Trail"]


class Trail(Appending, Reading, Verifying):
    """One trail, every trust's chain in it: `appending` writes, `reading` reads back by
    subject, `verifying` checks the chains against their heads and checkpoints."""
