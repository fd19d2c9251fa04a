"""Cached aggregates, trusted without a query per load, yet current with other replicas' writes.

Every service keeps its aggregates in a bounded cache (least recently used first out). Before
loading, the application reads the store's notification log from where it last looked and
forgets any cached aggregate another process (a replica) has changed since: one cheap query
(the newest notification id) answers "has anyone else written?", and what this process wrote
itself is skipped. A batch of commands or a scheduler round asks once (`caught_up`) for all its
loads. A write that still loses to another replica (it wrote in between) is refused by the
store's optimistic concurrency, and the loser's cached copy is forgotten, so its retry loads
what is stored. Aggregates looked for and not found are remembered the same way.

Before this, each load asked the store for events newer than the cached copy (eventsourcing's
fast-forward): a query per command, and every event this process had just written read back
and decrypted again.
"""

from __future__ import annotations

import contextlib
import copy as copying
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import BaseAggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Notification, Recording

_caught_up = threading.local()
CATCH_UP_PAGE = 1000
ABSENT_KEPT = 100_000
STORED_KEPT = 10_000  # events just stored, kept for the outbox relay (shared/messaging/outbox.py)


class FreshCached(Application[UUID]):
    """An application whose loads (`find`) come from a cache kept current by `catch_up`."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        # The cache is kept current by `catch_up`, not by a query per load; with it, a save
        # also puts the saved aggregate in the cache (eventsourcing's Application._record).
        self.repository.fastforward = False
        self._seen = (self.recorder.max_notification_id() or 0) if self.repository.cache else 0
        self._seen_lock = threading.Lock()
        self._absent: set[UUID] = set()  # looked for and not stored (as of `_seen`)
        self._saves = 0  # this process's saves so far: a load that raced one marks nothing
        self._ours: set[int] = set()  # notification ids past `_seen` that this process wrote
        self._just_stored: dict[int, Recording[Any]] = {}  # by notification id
        self._just_stored_lock = threading.Lock()
        self._store_listeners: list[Callable[[], None]] = []

    def on_store(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every store this process makes, in the storing thread (the
        outbox relay's wake-up: what this process stores is published without waiting for a poll)."""
        self._store_listeners.append(listener)

    @contextmanager
    def caught_up(self) -> Iterator[None]:
        """Loads in this block (this thread) trust the cache as it was caught up on entry."""
        self.catch_up()
        outer = getattr(_caught_up, "app", None)
        _caught_up.app = self
        try:
            yield
        finally:
            _caught_up.app = outer

    def catch_up(self) -> None:
        """Forget the cached aggregates that were changed in the store since we last looked."""
        cache = self.repository.cache
        if cache is None:
            return
        with self._seen_lock:
            newest = self.recorder.max_notification_id() or 0
            while self._seen < newest and self._seen + 1 in self._ours:  # what we wrote: cached
                self._ours.discard(self._seen + 1)
                self._seen += 1
            while self._seen < newest:
                written = self.recorder.select_notifications(self._seen + 1, CATCH_UP_PAGE,
                                                             stop=newest)
                if not written:
                    break
                for notification in written:
                    changed = notification.originator_id
                    if not isinstance(changed, UUID):
                        changed = UUID(changed)
                    self._absent.discard(changed)
                    with contextlib.suppress(KeyError):
                        if cache.get(changed).version < notification.originator_version:
                            cache.get(changed, evict=True)
                self._seen = written[-1].id
            self._ours = {n for n in self._ours if n > self._seen}

    def find(self, aggregate_id: UUID, kind: type[Any], *, copy: bool = True) -> Any:
        """The aggregate, if there is one of this kind; else None. With `copy` (to change it) a
        copy of what the cache holds; without (only to look at it) the cached one itself,
        which must never be changed."""
        if getattr(_caught_up, "app", None) is not self:
            self.catch_up()
        if aggregate_id in self._absent:
            return None
        seen, saves = self._seen, self._saves
        try:
            found: Any = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            # Absent only if nothing was stored meanwhile: not by another process (the log
            # moved on), nor by this one (its own saves never come back through the log).
            with self._seen_lock:
                if self._seen == seen and self._saves == saves and \
                        self.repository.cache is not None:
                    if len(self._absent) >= ABSENT_KEPT:
                        self._absent.clear()
                    self._absent.add(aggregate_id)  # until a notification or a save says else
            return None
        if not isinstance(found, kind):
            return None
        return copied(found) if copy else found

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        """eventsourcing's save, collecting the pending events without its runtime Protocol
        checks: typing's isinstance against a Protocol walks every member, twice an aggregate
        (3-4% of escalation's CPU while it takes visits in)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:  # an event, or nothing: as eventsourcing does it
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)
        return recordings

    def stored_event(self, notification: Notification) -> DomainEventProtocol[Any]:
        """The domain event of a notification: the one this process just stored, if it did (no
        second decryption and decoding), else read from the notification."""
        with self._just_stored_lock:
            recording = self._just_stored.pop(notification.id, None)
        if recording is not None and \
                recording.domain_event.originator_id == notification.originator_id:
            return recording.domain_event
        return self.mapper.to_domain_event(notification)

    def stored_after(self, position: int, limit: int) -> list[Notification]:
        """The notifications after `position` that this process has just stored, in order and
        with no id missing; empty as soon as the next one is not ours (another process wrote
        it, or the store skipped an id), which only the store can then tell. Nothing between
        them can be another process's: ids are given in commit order (SQLite has one writer at
        a time, and eventsourcing locks the PostgreSQL table until commit), and a recording is
        kept here only once committed. So the outbox relay takes what this process stored
        without reading it back."""
        found: list[Notification] = []
        with self._just_stored_lock:
            while len(found) < limit:
                recording = self._just_stored.get(position + len(found) + 1)
                if recording is None:
                    break
                found.append(recording.notification)
        return found

    def _store(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        self._absent.difference_update(processing_event.aggregates)
        try:
            recordings = super()._record(processing_event)
            with self._seen_lock:  # with `find`'s mark of absence: one or the other goes first
                self._saves += 1
                self._absent.difference_update(processing_event.aggregates)
                if self.repository.cache is not None:
                    self._ours.update(r.notification.id for r in recordings
                                      if r.notification.id > self._seen)
            with self._just_stored_lock:
                for recording in recordings:
                    self._just_stored[recording.notification.id] = recording
                while len(self._just_stored) > STORED_KEPT:
                    del self._just_stored[next(iter(self._just_stored))]
        except IntegrityError:  # another writer got there first: forget what it changed
            self.catch_up()
            raise
        self.stored(recordings)
        for listener in self._store_listeners:
            listener()
        return recordings

    def stored(self, recordings: list[Recording[Any]]) -> None:
        """What this process has just stored, however it was saved (alone, group-committed or
        in a batch of commands, where eventsourcing's own `_notify` hears nothing): for a
        service to act on its own writes at once. Nothing here."""


def copied(aggregate: Any) -> Any:
    """A copy to change. Aggregates hold plain data (JSON-like dicts and lists of strings,
    numbers, UUIDs, dates), so containers are copied and immutable values shared; anything
    else is deep-copied. About four times faster than `copy.deepcopy` of the whole aggregate,
    which eventsourcing uses, and twice as fast as pickling it."""
    state = getattr(aggregate, "__dict__", None)
    kind: type[Any] = type(aggregate)
    if state is None or _slotted(kind):
        return copying.deepcopy(aggregate)  # some of its state is not in its __dict__
    twin = object.__new__(kind)
    twin.__dict__.update({name: _copied(value) for name, value in state.items()})
    return twin


_SLOTTED: dict[type[Any], bool] = {}


def _slotted(kind: type[Any]) -> bool:
    slotted = _SLOTTED.get(kind)
    if slotted is None:
        slotted = _SLOTTED[kind] = any(vars(base).get("__slots__") for base in kind.__mro__)
    return slotted


_IMMUTABLE = (str, int, float, bool, type(None), UUID, datetime, date, time, timedelta, bytes,
              Enum)


def _copied(value: Any) -> Any:
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, dict):
        return {name: _copied(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(_copied(item) for item in value)
    if type(value) in (set, frozenset):
        return type(value)(value)  # members are hashable, so immutable here
    return copying.deepcopy(value)
