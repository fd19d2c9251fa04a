"""The smallest aggregate there is, for the store's own tests."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class Tally(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1
