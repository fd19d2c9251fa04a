"""Events stored before the layout move are read after it: the record an inspection relies on
does not depend on where a class lives in the code."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

# What every service's process imports: old topics are registered where the classes now live.
import services.authorisation.application
import services.escalation.application
import services.records.application
import services.visits.application  # noqa: F401
import shared.service.process  # noqa: F401
from services.authorisation.domain.household import Household
from services.authorisation.domain.school import SchoolPolicy, StaffRegister
from shared.contracts.ladder import SchoolLadder
from shared.messaging.refusals import list_refusals

HERE = Path(__file__).parent
TOPICS = (HERE / "topics_before_layout_move.txt").read_text().split()


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_stored_before_the_move_still_names_a_class(topic: str) -> None:
    found = resolve_topic(topic)
    name = topic.partition(":")[2].rsplit(".", 1)[-1]
    assert isinstance(found, type)
    assert found.__name__ == name


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Application[Any]:
    """A copy of a store that the previous layout wrote (tests/layout/*.sqlite)."""
    db = tmp_path / "store.sqlite"
    shutil.copy(HERE / "store_before_layout_move.sqlite", db)
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    return Application()


def test_a_store_written_before_the_move_reads_and_grows_after_it(old_store: Application[Any]
                                                                  ) -> None:
    ladder = old_store.repository.get(SchoolLadder.create_id("123456"))
    home = old_store.repository.get(Household.create_id("123456", "hh-1"))
    register = old_store.repository.get(StaffRegister.create_id("123456"))
    policy = old_store.repository.get(SchoolPolicy.create_id("123456"))
    assert isinstance(ladder, SchoolLadder)
    assert ladder.missing == []
    assert isinstance(home, Household)
    assert home.visits_made == ["visit-1"]
    assert register.members["staff-0001"]["roles"] == ["staff"]
    assert (policy.pack, policy.overrides) == ("ordsall", {"check_in_minutes": 20})

    home.note_visit("visit-2", {"actor": "trust-it"})
    old_store.save(home)
    again = old_store.repository.get(home.id)
    assert again.visits_made == ["visit-1", "visit-2"]
    assert all(isinstance(a, Aggregate) for a in (ladder, home, register, policy))


def test_refusals_recorded_before_the_move_are_still_listed(old_store: Application[Any]) -> None:
    refused = list_refusals(old_store)
    assert [(r.stream_sequence, r.reason) for r in refused] == [(7, "not a CloudEvent")]
