"""Commands from HTTP, run in batches: one thread hop and one commit for all that arrived together.

A check-in's own work is small; what cost was around it: a worker thread per request, a lock, a
wait for the commit, a wake-up. Here the event loop queues each command, and one worker thread
runs the commands queued so far one after another (each still takes its aggregate's turn, as
every command does), with their saves held back, then stores all their events in one
transaction. Only then does any of them answer, so a 2xx still means "stored".

A batch holds at most one command per aggregate (a second waits for the next batch), so no
command in a batch depends on another's unsaved events. If the batch's transaction is refused,
each command's events are stored on their own; a command that lost to another replica is run
again from a fresh load, as any command is (`shared/storage/commands.py`).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from shared.storage.groupcommit import GroupCommitted, saves_held_back

R = TypeVar("R")
MAX_BATCH = 128


@dataclass
class _Command:
    key: str
    run: Callable[[], Any]
    future: asyncio.Future[Any]
    # the caller's context: a command runs as part of its own request (its trace), not the
    # request that happened to start the batch
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    saves: list[ProcessingEvent[Any]] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None


class CommandBatches:
    def __init__(self, app: GroupCommitted, max_batch: int = MAX_BATCH) -> None:
        self.app = app
        self.max_batch = max_batch
        self.waiting: list[_Command] = []
        self.draining: asyncio.Task[None] | None = None
        self.batches = 0  # for tests and benchmarks

    async def run(self, key: str, command: Callable[[], R]) -> R:
        """Run `command` (load, step, save) in a batch; returns once its events are stored."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.waiting.append(_Command(key, command, future))
        if self.draining is None:
            self.draining = loop.create_task(self._drain())
        result: R = await future
        return result

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch = self._next_batch()
                try:
                    await asyncio.to_thread(self._run, batch)
                except asyncio.CancelledError:  # shutting down: nobody waits for an answer
                    for command in batch + self.waiting:
                        command.future.cancel()
                    raise
                except Exception as error:  # the thread itself failed: answer every command
                    for command in batch:
                        command.error = command.error or error
                for command in batch:
                    if command.future.done():
                        continue
                    if command.error is not None:
                        command.future.set_exception(command.error)
                    else:
                        command.future.set_result(command.result)
        finally:
            self.draining = None

    def _next_batch(self) -> list[_Command]:
        batch: list[_Command] = []
        keys: set[str] = set()
        rest: list[_Command] = []
        for command in self.waiting:
            if command.key in keys or len(batch) >= self.max_batch:
                rest.append(command)
            else:
                keys.add(command.key)
                batch.append(command)
        self.waiting = rest
        return batch

    def _run(self, batch: list[_Command]) -> None:
        self.batches += 1
        with self.app.caught_up():
            self._run_each(batch)
        stored = [command for command in batch if command.error is None and command.saves]
        if not stored:
            return
        together = _merged([saved for command in stored for saved in command.saves])
        try:
            self.app.group_commit.record(together)
        except Exception:
            for command in stored:
                self._store_alone(command)

    def _run_each(self, batch: list[_Command]) -> None:
        for command in batch:
            if command.future.cancelled():
                continue
            try:
                with saves_held_back(self.app, command.saves):
                    command.result = command.context.run(command.run)
            except Exception as error:
                command.error, command.saves = error, []

    def _store_alone(self, command: _Command) -> None:
        try:
            self.app.group_commit.record(_merged(command.saves))
        except IntegrityError:  # another writer got there first: run it again, saving as it goes
            try:
                command.result = command.context.run(command.run)
            except Exception as error:
                command.error = error
        except Exception as error:
            command.error = error


def _merged(saves: list[ProcessingEvent[Any]]) -> ProcessingEvent[Any]:
    together: ProcessingEvent[Any] = ProcessingEvent()
    for saved in saves:
        together.events.extend(saved.events)
        together.aggregates.update(saved.aggregates)
    return together
