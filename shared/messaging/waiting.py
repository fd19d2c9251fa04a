"""Waiting for JetStream at start-up: retried with backoff up to a bound, said once in the log
and on `/health`, instead of the process exiting.

A fresh cluster answers JetStream API calls with timeouts, or "JetStream not enabled", until
its nodes have elected a meta leader (seconds, sometimes tens of seconds); a node may also come
up after the services do. A service that exited then would be restarted by its supervisor over
and over, and one run without a supervisor would simply be gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST_DELAY = 0.2
LONGEST_DELAY = 5.0
PATIENCE = 2.0  # an attempt taking longer than this is waiting, and says so


class JetStreamUnavailable(RuntimeError):
    """JetStream did not answer within the bound."""


class JetStreamWait:
    """Steps that need JetStream, each retried until it succeeds or `bound_seconds` (counted
    from the first step) have passed. `reason` says what is awaited; `waiting` is set at the
    first failure."""

    def __init__(self, bound_seconds: float) -> None:
        self.bound_seconds = bound_seconds
        self.reason: str | None = "starting"
        self.waiting = asyncio.Event()
        self.ready = False
        self._deadline: float | None = None
        self._began = 0.0
        self._said: str | None = None

    async def step(self, what: str, attempt: Callable[[], Awaitable[object]],
                   undo: Callable[[], Awaitable[None]] | None = None) -> None:
        """Run `attempt` until it succeeds; `undo` tidies up after a failed try."""
        if self._deadline is None:
            self._began = time.monotonic()
            self._deadline = self._began + self.bound_seconds
        delay = FIRST_DELAY
        while True:
            try:
                await self._within_bound(what, attempt)
                return
            except asyncio.CancelledError:
                raise
            except JetStreamUnavailable:
                if undo is not None:
                    await _quietly(undo)
                raise
            except Exception as error:
                reason = f"{what}: {describe(error)}"
                if undo is not None:
                    await _quietly(undo)
                if time.monotonic() + delay > self._left_until():
                    raise JetStreamUnavailable(
                        f"JetStream did not answer within {self.bound_seconds:g} s "
                        f"({reason})") from error
                self._wait_for(reason)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LONGEST_DELAY)

    async def _within_bound(self, what: str, attempt: Callable[[], Awaitable[object]]) -> None:
        """An attempt that hangs (nats-py retrying a connection without end, a JetStream call
        waiting out its timeout) counts as waiting after PATIENCE s, and is cut at the bound."""
        task = asyncio.ensure_future(attempt())
        try:
            done, _ = await asyncio.wait({task}, timeout=min(PATIENCE, self._remaining()))
            if not done:
                self._wait_for(f"{what}: no answer yet")
                done, _ = await asyncio.wait({task}, timeout=self._remaining())
            if not done:
                raise JetStreamUnavailable(f"JetStream did not answer within "
                                           f"{self.bound_seconds:g} s ({what}: no answer)")
            task.result()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    def _wait_for(self, reason: str) -> None:
        self.reason = reason
        if self._said is None:
            log.warning("waiting for JetStream: %s", reason)
            self._said = reason
        self.waiting.set()

    def _left_until(self) -> float:
        assert self._deadline is not None
        return self._deadline

    def _remaining(self) -> float:
        return max(0.0, self._left_until() - time.monotonic())

    def done(self) -> None:
        self.ready, self.reason = True, None
        if self._said is not None:
            log.warning("JetStream answered after %.1f s of waiting",
                        time.monotonic() - self._began)

    @property
    def status(self) -> str:
        """What /health says while not ready."""
        return f"waiting for JetStream: {self.reason}"


def describe(error: BaseException) -> str:
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text}" if text and text != name and name not in text else (text or name)


async def _quietly(undo: Callable[[], Awaitable[None]]) -> None:
    try:
        await undo()
    except Exception as error:  # a half-made subscription may not close cleanly
        log.debug("tidying after a failed JetStream step: %r", error)
