"""Cached aggregates are trusted without a query per load, yet another replica's writes are seen:
on the next load, and by a command that lost to them, which runs again on what is stored."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from shared.storage.batching import CommandBatches
from shared.storage.commands import run_serialised
from shared.storage.freshcache import copied
from shared.storage.groupcommit import GroupCommitted
from tests.store.tally import Tally

COMMANDS_EACH = 60


@pytest.fixture
def replicas(store: dict[str, str]) -> Iterator[tuple[GroupCommitted, GroupCommitted]]:
    """Two processes of one service on one store: ours, and another replica."""
    ours, theirs = GroupCommitted(store), GroupCommitted(store)
    yield ours, theirs
    ours.close()
    theirs.close()


def counted(app: GroupCommitted, tally_id: object) -> int:
    tally: Tally = app.find(tally_id, Tally)
    tally.count_one()
    app.save(tally)
    return tally.count


def test_the_next_load_sees_what_another_replica_wrote(
        replicas: tuple[GroupCommitted, GroupCommitted]) -> None:
    ours, theirs = replicas
    tally = Tally()
    ours.save(tally)
    assert ours.find(tally.id, Tally, copy=False).count == 0  # cached here
    assert counted(theirs, tally.id) == 1

    assert ours.find(tally.id, Tally, copy=False).count == 1
    assert counted(ours, tally.id) == 2
    assert theirs.find(tally.id, Tally).count == 2


def test_an_aggregate_not_found_is_found_once_stored_here_or_by_another_replica(
        replicas: tuple[GroupCommitted, GroupCommitted]) -> None:
    ours, theirs = replicas
    here, there = Tally(), Tally()
    assert ours.find(here.id, Tally) is None
    assert ours.find(there.id, Tally) is None  # neither is looked for in the store again...
    ours.save(here)
    theirs.save(there)
    with ours.caught_up():  # ...until a save here, or the notification log, says it exists
        assert ours.find(here.id, Tally).count == 0
        assert ours.find(there.id, Tally).count == 0


def test_a_save_from_a_stale_copy_is_refused_and_the_retry_loads_what_is_stored(
        replicas: tuple[GroupCommitted, GroupCommitted]) -> None:
    ours, theirs = replicas
    tally = Tally()
    ours.save(tally)
    with ours.caught_up():  # a batch began; meanwhile another replica writes
        stale: Tally = ours.find(tally.id, Tally)
        assert counted(theirs, tally.id) == 1
        stale.count_one()
        with pytest.raises(IntegrityError):
            ours.save(stale)
        assert ours.find(tally.id, Tally).count == 1  # the refused copy was forgotten
    assert counted(ours, tally.id) == 2
    assert [e.originator_version for e in ours.events.get(tally.id)] == [1, 2, 3]


def test_two_replicas_batching_commands_on_one_aggregate_lose_none(
        store: dict[str, str]) -> None:
    replicas = [GroupCommitted(store), GroupCommitted(store)]
    tally = Tally()
    replicas[0].save(tally)
    batches = [CommandBatches(app) for app in replicas]

    async def drive() -> list[int]:
        return await asyncio.gather(*(
            batches[n % 2].run("tally", lambda app=replicas[n % 2]: run_serialised(
                "tally", lambda: counted(app, tally.id)))  # as every command is (shared/commands)
            for n in range(2 * COMMANDS_EACH)))

    answers = asyncio.run(drive())

    assert sorted(answers) == list(range(1, 2 * COMMANDS_EACH + 1))  # each counted once
    for app in replicas:
        assert app.find(tally.id, Tally).count == 2 * COMMANDS_EACH
        app.close()


def test_a_command_changes_a_copy_so_a_refused_change_leaves_the_cache_as_stored(
        store: dict[str, str]) -> None:
    app = GroupCommitted(store)
    tally = Tally()
    app.save(tally)
    changing = app.find(tally.id, Tally)
    changing.count_one()  # and then the command fails: nothing saved
    assert changing is not app.find(tally.id, Tally, copy=False)
    assert app.find(tally.id, Tally, copy=False).count == 0
    assert app.find(tally.id, Tally).version == tally.version
    app.close()


def test_the_relay_is_given_what_was_just_stored_or_else_what_the_store_holds(
        replicas: tuple[GroupCommitted, GroupCommitted]) -> None:
    ours, theirs = replicas
    tally = Tally()
    ours.save(tally)
    assert counted(theirs, tally.id) == 1
    notifications = ours.recorder.select_notifications(1, 10)
    assert [n.originator_version for n in notifications] == [1, 2]
    # the first, stored here, is handed over once; the second (another replica's) is decoded
    mine, other = (ours.stored_event(n) for n in notifications)
    assert ours.stored_event(notifications[0]) == mine  # decoded the second time: the same event
    assert (mine.originator_id, mine.originator_version) == (tally.id, 1)
    assert (other.originator_id, other.originator_version) == (tally.id, 2)
    assert other == theirs.stored_event(notifications[1])


def test_a_copy_shares_no_container_with_the_cached_aggregate() -> None:
    tally = Tally()
    tally.nested = {"staff": [{"id": "s1", "phones": ["07700 900001"]}], "ids": {"a", "b"},
                    "pair": ([1], "x")}
    twin = copied(tally)
    assert twin.__dict__ == tally.__dict__
    assert type(twin) is Tally
    twin.nested["staff"][0]["phones"].append("07700 900002")
    twin.nested["ids"].add("c")
    twin.nested["pair"][0].append(2)
    twin.count_one()
    assert tally.nested == {"staff": [{"id": "s1", "phones": ["07700 900001"]}],
                            "ids": {"a", "b"}, "pair": ([1], "x")}
    assert (tally.count, tally.version, len(tally.collect_events())) == (0, 1, 1)
    assert (twin.count, twin.version) == (1, 2)


def test_an_aggregate_stored_while_a_load_was_looking_for_it_is_not_taken_for_absent(
        replicas: tuple[GroupCommitted, GroupCommitted]) -> None:
    """Reproduces the visit that never reached authorisation: a load (an HTTP poll) read the
    store just before a consumer's save of the same aggregate committed; the load then marked
    it absent, and since the save was this process's own, nothing ever took the mark away: a
    404 for good, for a visit the store held."""
    ours, _ = replicas
    tally = Tally()
    read_store = ours.repository.get

    def read_as_the_save_commits(aggregate_id: object, **options: object) -> object:
        if aggregate_id == tally.id and not saved.is_set():
            saver = threading.Thread(target=ours.save, args=(tally,))  # the consumer's save
            saver.start()
            saver.join()
            saved.set()
            raise AggregateNotFoundError(aggregate_id)  # what the read saw, before the commit
        return read_store(aggregate_id, **options)  # type: ignore[arg-type]

    saved = threading.Event()
    ours.repository.get = read_as_the_save_commits  # type: ignore[method-assign]
    assert ours.find(tally.id, Tally) is None  # the load that raced the save
    assert ours.find(tally.id, Tally) is not None  # the next load finds what is stored
