"""Two replicas write the same aggregate: the loser runs its command again from a fresh load."""

from __future__ import annotations

import pytest
from eventsourcing.application import Application

from shared.contracts.errors import Conflict
from shared.storage.commands import run_serialised
from tests.store.tally import Tally


@pytest.fixture
def two_replicas(store: dict[str, str]) -> tuple[Application, Application]:
    return Application(store), Application(store)


def test_a_write_lost_to_another_replica_is_retried_from_a_fresh_load(two_replicas) -> None:
    ours, theirs = two_replicas
    tally = Tally()
    ours.save(tally)
    attempts = []

    def count_once() -> None:
        mine: Tally = ours.repository.get(tally.id)
        if not attempts:  # the other replica writes between our load and our save
            other: Tally = theirs.repository.get(tally.id)
            other.count_one()
            theirs.save(other)
        attempts.append(mine.version)
        mine.count_one()
        ours.save(mine)

    run_serialised(f"tally:{tally.id}", count_once)
    assert attempts == [1, 2]  # the second attempt loaded the other replica's write
    assert ours.repository.get(tally.id).count == 2


def test_a_write_that_always_loses_is_a_409_not_a_500(two_replicas) -> None:
    ours, theirs = two_replicas
    tally = Tally()
    ours.save(tally)

    def always_loses() -> None:
        mine: Tally = ours.repository.get(tally.id)
        other: Tally = theirs.repository.get(tally.id)
        other.count_one()
        theirs.save(other)
        mine.count_one()
        ours.save(mine)

    with pytest.raises(Conflict, match="read it again and retry"):
        run_serialised(f"tally:{tally.id}", always_loses, attempts=3)
