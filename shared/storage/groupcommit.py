"""Group commit: concurrent saves of one service share a transaction, so they share a commit.

A check-in is one small insert, and on both stores the commit is what costs: the fsync, and on
PostgreSQL the table lock eventsourcing takes to keep notification ids in order. Saves that
arrive while a commit is running wait for it, then the first of them commits them all together,
in arrival order. Each save still returns only once its own events are stored, so a 2xx answer
still means "stored". If the shared transaction is refused (another replica wrote the same
aggregate version first), each save is recorded again on its own, so only the loser sees the
conflict and retries; the others are unaffected.

Commands batched by `shared/storage/batching.py` go one step further: within `saves_held_back`, a
thread's saves are only collected, and the batch stores them all at once.

Loads come from a cache kept current with other replicas' writes (`shared/storage/freshcache.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Recording

from shared.storage.freshcache import FreshCached

RecordOne = Callable[[ProcessingEvent[Any]], list[Recording[Any]]]
MAX_BATCH = 256

_held_back = threading.local()


@contextmanager
def saves_held_back(app: Application[Any], into: list[ProcessingEvent[Any]]
                    ) -> Iterator[list[ProcessingEvent[Any]]]:
    """Within this block, this thread's saves to `app` are collected into `into`, not stored."""
    _held_back.saves = (app, into)
    try:
        yield into
    finally:
        _held_back.saves = None


def held_back_saves(app: Application[Any]) -> list[ProcessingEvent[Any]] | None:
    held: tuple[Application[Any], list[ProcessingEvent[Any]]] | None = getattr(
        _held_back, "saves", None)
    return held[1] if held is not None and held[0] is app else None


class GroupCommit:
    def __init__(self, record_one: RecordOne, max_batch: int = MAX_BATCH) -> None:
        self.record_one = record_one
        self.max_batch = max_batch
        self._changed = threading.Condition()
        self._queue: list[_Pending] = []
        self._leading = False
        self.commits = 0  # for tests and benchmarks: how many transactions the saves took

    def record(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        mine = _Pending(processing_event)
        with self._changed:
            self._queue.append(mine)
        while True:
            with self._changed:
                while self._leading and not mine.done:
                    self._changed.wait()
                if mine.done:
                    break
                self._leading = True  # lead: commit what waits (a long queue takes turns)
                batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                self._commit(batch)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        return mine.outcome()

    def _commit(self, batch: list[_Pending]) -> None:
        self.commits += 1
        if len(batch) > 1:
            together: ProcessingEvent[Any] = ProcessingEvent()
            for pending in batch:
                together.events.extend(pending.processing_event.events)
                together.aggregates.update(pending.processing_event.aggregates)
            try:
                recordings = self.record_one(together)
            except Exception:  # noqa: S110 - each is recorded alone below, and keeps its own error
                pass
            else:
                start = 0
                for pending in batch:
                    count = len(pending.processing_event.events)
                    pending.finish(recordings[start:start + count], None)
                    start += count
                return
            self.commits += len(batch)
        for pending in batch:
            try:
                pending.finish(self.record_one(pending.processing_event), None)
            except Exception as error:
                pending.finish([], error)


class _Pending:
    __slots__ = ("done", "error", "processing_event", "recordings")

    def __init__(self, processing_event: ProcessingEvent[Any]) -> None:
        self.processing_event = processing_event
        self.done = False
        self.recordings: list[Recording[Any]] = []
        self.error: Exception | None = None

    def finish(self, recordings: list[Recording[Any]], error: Exception | None) -> None:
        self.recordings, self.error, self.done = recordings, error, True

    def outcome(self) -> list[Recording[Any]]:
        if self.error is not None:
            raise self.error
        return self.recordings


class GroupCommitted(FreshCached):
    """The base of every service's application. Its untracked saves are group-committed (see
    the module's docstring); saves with a tracking record (a consumer's position) are recorded
    as they come: each tracking record is its own exactly-once guard."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.group_commit = GroupCommit(self._store)

    def _record(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        if processing_event.tracking is not None or processing_event.saved_kwargs:
            return self._store(processing_event)
        held_back = held_back_saves(self)
        if held_back is not None:  # a batched command (shared/storage/batching.py): stored with its batch
            held_back.append(processing_event)
            return []
        return self.group_commit.record(processing_event)
