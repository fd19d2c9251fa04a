"""Concurrent saves share commits; each still returns only once its own events are stored, and a
save that loses to another replica fails alone while the rest of its group is stored."""

from __future__ import annotations

import threading

from eventsourcing.persistence import IntegrityError

from shared.storage.groupcommit import GroupCommitted
from shared.testing.polling import until_sync
from tests.store.tally import Tally

THREADS, SAVES_EACH = 16, 25


def test_concurrent_saves_are_all_stored_in_fewer_commits(store: dict[str, str]) -> None:
    app = GroupCommitted(store)
    tallies = [Tally() for _ in range(THREADS)]
    app.save(*tallies)
    stored_before_return: list[bool] = []
    start = threading.Barrier(THREADS)

    def count(tally_id: object) -> None:
        start.wait()
        for _ in range(SAVES_EACH):
            tally: Tally = app.repository.get(tally_id)
            tally.count_one()
            version = tally.version
            app.save(tally)
            # a fresh reader (no cache) sees the event as soon as save returns
            stored_before_return.append(
                app.recorder.select_events(tally.id, gt=version - 1, lte=version) != [])

    threads = [threading.Thread(target=count, args=(t.id,)) for t in tallies]
    commits_before = app.group_commit.commits
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    commits = app.group_commit.commits - commits_before

    assert all(stored_before_return)
    assert len(stored_before_return) == THREADS * SAVES_EACH
    assert [app.repository.get(t.id).count for t in tallies] == [SAVES_EACH] * THREADS
    assert commits < THREADS * SAVES_EACH, "no save shared a commit"
    ids = [n.id for n in app.recorder.select_notifications(1, 10_000)]
    assert ids == sorted(ids)
    assert len(ids) == THREADS + THREADS * SAVES_EACH
    app.close()


def test_a_save_that_loses_fails_alone_and_its_group_is_stored(store: dict[str, str]) -> None:
    ours, theirs = GroupCommitted(store), GroupCommitted(store)
    contested, free = Tally(), Tally()
    ours.save(contested, free)
    stale: Tally = ours.repository.get(contested.id)
    winner: Tally = theirs.repository.get(contested.id)
    winner.count_one()
    theirs.save(winner)  # another replica writes version 2 first

    stale.count_one()
    fine: Tally = ours.repository.get(free.id)
    fine.count_one()
    outcome: dict[str, object] = {}
    # Hold the commit so both saves queue up and are tried as one transaction.
    commits_before = ours.group_commit.commits
    ours.group_commit._leading = True
    runs = [threading.Thread(target=lambda: _save(ours, stale, "stale", outcome)),
            threading.Thread(target=lambda: _save(ours, fine, "fine", outcome))]
    for run in runs:
        run.start()
    until_sync(lambda: len(ours.group_commit._queue) >= 2, "both saves queued", seconds=60,
               every=0.01)
    with ours.group_commit._changed:
        ours.group_commit._leading = False
        ours.group_commit._changed.notify_all()
    for run in runs:
        run.join()

    assert ours.group_commit.commits - commits_before == 3  # together, refused, then one each
    assert isinstance(outcome["stale"], IntegrityError)
    assert outcome["fine"] == "saved"
    assert ours.repository.get(free.id).count == 1
    assert ours.repository.get(contested.id).count == 1  # the winner's write, not ours
    ours.close()
    theirs.close()


def _save(app: GroupCommitted, tally: Tally, name: str, outcome: dict[str, object]) -> None:
    try:
        app.save(tally)
        outcome[name] = "saved"
    except IntegrityError as error:
        outcome[name] = error
