"""Commands on one aggregate, safe under concurrency: one at a time here, retried across replicas.

Two staff on a pair visit check in at the same moment; a decision arrives over NATS while the
visit is being signed out. Each command loads, applies one domain step and saves. Within a
process, commands on the same aggregate take turns (a striped lock), so they never collide. Across
processes (replicas), the store's optimistic concurrency refuses the second writer: the command
is run again from a fresh load, a bounded number of times. Only a real rule conflict reaches the
person as a 409; a store conflict never reaches them as a 500.
"""

from __future__ import annotations

import functools
import inspect
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from eventsourcing.persistence import IntegrityError

from shared.contracts.errors import Conflict

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

STRIPES = 1024
ATTEMPTS = 12
_locks = [threading.Lock() for _ in range(STRIPES)]
_held = threading.local()


def run_serialised(key: str, command: Callable[[], R], attempts: int = ATTEMPTS) -> R:
    """Run `command` (load, step, save) with the aggregate's lock, retrying a store conflict."""
    if getattr(_held, "key", None) is not None:  # a command calling another: already serialised
        return _retrying(key, command, attempts)
    lock = _locks[hash(key) % STRIPES]
    with lock:
        _held.key = key
        try:
            return _retrying(key, command, attempts)
        finally:
            _held.key = None


def _retrying(key: str, command: Callable[[], R], attempts: int) -> R:
    for attempt in range(1, attempts + 1):
        try:
            return command()
        except IntegrityError as error:
            if attempt == attempts:
                log.warning("command on %s still conflicting after %d attempts: %s",
                            key, attempts, error)
                break
            time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 6)))
    raise Conflict(f"{key} was changed by {attempts} other requests while yours was handled: "
                   "read it again and retry")


def serialised(by: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an application command; `by` names the argument (or `argument.attribute`) that
    identifies what the command changes: an aggregate, or a school whose aggregates it shares."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(method)
        name, *path = by.split(".")
        if name not in signature.parameters:
            raise TypeError(f"{method.__qualname__} has no argument {by!r} to serialise by")

        @functools.wraps(method)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            key: Any = signature.bind(*args, **kwargs).arguments[name]
            for attribute in path:
                key = getattr(key, attribute)
            return run_serialised(f"{method.__qualname__.split('.')[0]}:{key}",
                                  lambda: method(*args, **kwargs))

        return run

    return decorate
