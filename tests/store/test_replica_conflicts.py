"""Two replicas write the same aggregate: the loser runs its command again from a fresh load."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from shared.commands import run_serialised
from shared.errors import Conflict
from shared.settings import DoorstepSettings
from shared.store import store_env


class Tally(Aggregate):
    @event("Created")
    def __init__(self) -> None:
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_replicas(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Application, Application]:
    values: dict[str, object] = {"data_dir": tmp_path, "schema_suffix": f"_{uuid4().hex[:10]}"}
    if request.param == "postgres":
        values["database_url"] = request.getfixturevalue("database_url")
    env = store_env(DoorstepSettings(**values), "replicas")  # type: ignore[arg-type]
    return Application(env), Application(env)


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
