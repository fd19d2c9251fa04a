"""In order per key, in parallel across keys: how every consumer takes its messages.

One durable consumer fetches many messages at once. Each goes to the queue of its key (the
trust, or the visit within a trust), and one worker per key handles that queue in stream order.
A message that fails is retried by its own worker, so only its key waits; when it has failed
for good it is recorded, raised to trust IT and acknowledged, and its key moves on. One trust's
trouble never delays another's. A worker with nothing left to do ends; the next message for its
key starts another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.aio.msg import Msg

log = logging.getLogger(__name__)

Process = Callable[[Msg], Awaitable[None]]  # raises Refuse, or any error to try again
# Handles several queued messages of one key at once (one transaction); any error, and each is
# handled on its own instead, so a bad one is found and refused without holding up the rest.
ProcessBatch = Callable[[list[Msg]], Awaitable[None]]
GiveUp = Callable[[Msg, str], Awaitable[None]]  # records a message that failed for good
KeyOf = Callable[[Msg], str]


class Refuse(Exception):
    """Raised by a handler for a message that can never be processed: it is recorded and refused."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 10
    first_delay: float = 0.2
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.first_delay * 2 ** (attempt - 1)))


def by_trust(message: Msg) -> str:
    """`<root>.events.<trust>.<school>.<aggregate>.<type>`: the trust, or the subject if odd."""
    parts = message.subject.split(".")
    return parts[2] if len(parts) > 2 else message.subject


class OrderedByKey:
    def __init__(self, process: Process, give_up: GiveUp, key_of: KeyOf = by_trust,
                 retry: RetryPolicy | None = None, process_batch: ProcessBatch | None = None,
                 batch_size: int = 256) -> None:
        self.process = process
        self.process_batch = process_batch
        self.batch_size = batch_size
        self.give_up = give_up
        self.key_of = key_of
        self.retry = retry or RetryPolicy()
        self.queues: dict[str, asyncio.Queue[Msg]] = {}
        self.workers: dict[str, asyncio.Task[None]] = {}

    async def accept(self, message: Msg) -> None:
        """Called by the consumer for each message, in stream order; returns at once."""
        key = self.key_of(message)
        queue = self.queues.get(key)
        if queue is None:
            queue = self.queues[key] = asyncio.Queue()
        queue.put_nowait(message)
        if key not in self.workers:
            self.workers[key] = asyncio.create_task(self._work(key, queue), name=f"key {key}")

    async def _work(self, key: str, queue: asyncio.Queue[Msg]) -> None:
        try:
            while not queue.empty():
                batch = [queue.get_nowait()]
                while self.process_batch and not queue.empty() and len(batch) < self.batch_size:
                    batch.append(queue.get_nowait())
                if len(batch) > 1 and await self._handle_batch(batch):
                    continue
                for message in batch:
                    await self._handle(message)
        finally:  # done, or cancelled at shutdown (what is left comes back by redelivery)
            self.workers.pop(key, None)
            self.queues.pop(key, None)

    async def _handle(self, message: Msg) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.process(message)
                await message.ack()
                return
            except asyncio.CancelledError:
                raise
            except Refuse as refused:
                reason = str(refused)
            except Exception as error:
                if attempt < self.retry.attempts:
                    log.warning("will retry message %s on %s (attempt %d): %r",
                                _sequence(message), message.subject, attempt, error)
                    await self._wait(message, self.retry.delay(attempt))
                    continue
                reason = f"failed {attempt} times: {error!r}"
            await self._give_up(message, reason)
            return

    async def _handle_batch(self, batch: list[Msg]) -> bool:
        """True when the whole batch was handled and acknowledged."""
        assert self.process_batch is not None
        try:
            await self.process_batch(batch)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("batch of %d on %s failed (%r): one at a time instead", len(batch),
                     batch[0].subject, error)
            return False
        for message in batch:
            await message.ack()
        return True

    async def _give_up(self, message: Msg, reason: str) -> None:
        """Record it, then acknowledge it; if even recording fails, keep trying (never lost)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.give_up(message, reason)
                log.error("gave up on message %s on %s: %s", _sequence(message), message.subject,
                          reason)
                await message.term()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not record refused message %s; retrying",
                              _sequence(message))
                await self._wait(message, self.retry.delay(min(attempt, 8)))

    @staticmethod
    async def _wait(message: Msg, seconds: float) -> None:
        """Wait before retrying, telling the server the message is still being worked on."""
        with contextlib.suppress(Exception):
            await message.in_progress()
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        for task in list(self.workers.values()):
            task.cancel()
        for task in list(self.workers.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _sequence(message: Msg) -> int:
    try:
        return int(message.metadata.sequence.stream)
    except Exception:
        return -1
