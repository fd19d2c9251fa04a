"""Poll until something holds: the one way the tests wait for another process to catch up."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")
_SHOWN = 600  # characters of the last value a failure shows


class _Raised:
    """An exception the check raised and the caller chose to retry past."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Watch(Generic[T]):
    """The deadline, and what the check gave last, shared by the async and sync loops."""

    def __init__(self, what: str, seconds: float, ready: Callable[[T], object],
                 show: Callable[[T], object]) -> None:
        self.what, self.seconds, self.ready, self.show = what, seconds, ready, show
        self.deadline = time.monotonic() + seconds

    def accepts(self, seen: T | _Raised) -> bool:
        """True once `seen` is ready; an AssertionError naming it once the time is up."""
        if not isinstance(seen, _Raised) and self.ready(seen):
            self.value = seen
            return True
        if time.monotonic() < self.deadline:
            return False
        last = repr(seen.error) if isinstance(seen, _Raised) else str(self.show(seen))
        last = last if len(last) <= _SHOWN else last[:_SHOWN] + "..."
        cause = seen.error if isinstance(seen, _Raised) else None
        raise AssertionError(f"never saw {self.what} in {self.seconds:g} s; last seen: {last}"
                             ) from cause


def _attempt(check: Callable[[], Any], ignoring: tuple[type[BaseException], ...]) -> Any:
    """The check's answer, or the exception it raised when that is one to retry past."""
    try:
        return check()
    except ignoring as error:
        return _Raised(error)


async def _settled(seen: Any, ignoring: tuple[type[BaseException], ...]) -> Any:
    """An answer that is awaitable, awaited (an async check's coroutine)."""
    if not inspect.isawaitable(seen):
        return seen
    try:
        return await seen
    except ignoring as error:
        return _Raised(error)


def _blocking(seen: Any) -> Any:
    """A sync check's answer; an awaitable one would otherwise pass, never awaited."""
    if inspect.isawaitable(seen):
        if inspect.iscoroutine(seen):
            seen.close()
        raise TypeError("until_sync() was given an async check: await until() instead")
    return seen


@overload
async def until(check: Callable[[], Awaitable[T]], what: str, *, seconds: float = 20.0,
                every: float = 0.05, ready: Callable[[T], object] = bool,
                show: Callable[[T], object] = repr,
                ignoring: tuple[type[BaseException], ...] = ()) -> T: ...


@overload
async def until(check: Callable[[], T], what: str, *, seconds: float = 20.0,
                every: float = 0.05, ready: Callable[[T], object] = bool,
                show: Callable[[T], object] = repr,
                ignoring: tuple[type[BaseException], ...] = ()) -> T: ...


async def until(check: Callable[[], Any], what: str, *, seconds: float = 20.0,
                every: float = 0.05, ready: Callable[[Any], object] = bool,
                show: Callable[[Any], object] = repr,
                ignoring: tuple[type[BaseException], ...] = ()) -> Any:
    """Call `check` (sync or async) every `every` s until `ready` takes its answer; return it."""
    watch: _Watch[Any] = _Watch(what, seconds, ready, show)
    # ASYNC110: what is awaited is another process, which no asyncio.Event can signal
    while not watch.accepts(await _settled(_attempt(check, ignoring), ignoring)):  # noqa: ASYNC110
        await asyncio.sleep(every)
    return watch.value


def until_sync(check: Callable[[], T], what: str, *, seconds: float = 20.0, every: float = 0.05,
               ready: Callable[[T], object] = bool, show: Callable[[T], object] = repr,
               ignoring: tuple[type[BaseException], ...] = ()) -> T:
    """Call `check` every `every` s, blocking, until `ready` takes its answer; return it."""
    watch: _Watch[T] = _Watch(what, seconds, ready, show)
    while not watch.accepts(_blocking(_attempt(check, ignoring))):
        time.sleep(every)
    return watch.value
