"""Run one service as its own process: `python -m services.<name> --port N`."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from shared.observability import tracing
from shared.observability.logs import configure_logging
from shared.runtime.settings import DoorstepSettings

# An idle connection is kept longer than any client keeps one to reuse (httpx: 5 s; load
# balancers: 60 s): a server closing at the moment a client reuses it answers nothing (ReadError).
KEEP_ALIVE_SECONDS = 75
OFFSETS = {"web": 0, "visits": 1, "authorisation": 2, "escalation": 3, "records": 4}


def service_ports(base: int = 8000) -> dict[str, int]:
    return {name: base + offset for name, offset in OFFSETS.items()}


DEFAULT_PORTS = service_ports()


def serve(name: str, make_api: Callable[[], FastAPI]) -> None:
    parser = argparse.ArgumentParser(prog=f"services.{name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORTS.get(name, 8000))
    args = parser.parse_args()
    settings = DoorstepSettings()
    configure_logging(name, settings.log_format)
    tracing.configure(name, settings)
    # SIGTERM drains like Ctrl-C: uvicorn runs the lifespan shutdown (broker drained, store closed)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    api = make_api()
    # What was built to start (modules, models, routes: most of the process's objects) lives as
    # long as the process: the collector's full passes skip it rather than walk it every time
    # (each pass took about 100 ms in records and the pages, on the trust page's loads).
    gc.freeze()
    # as JSON lines, uvicorn's own lines go through the root handler too, not its formatter
    config = uvicorn.Config(api, host=args.host, port=args.port, log_level="warning",
                            timeout_graceful_shutdown=10, timeout_keep_alive=KEEP_ALIVE_SECONDS,
                            log_config=None if settings.log_format == "json" else LOGGING_CONFIG)
    server = BoundedShutdown(config)
    api.state.give_up = server.give_up  # e.g. JetStream unreachable past its bound
    try:
        server.run()
    finally:
        tracing.flush()
    if server.failed:
        sys.exit(1)


STOP_WITHIN_SECONDS = 15.0


class BoundedShutdown(uvicorn.Server):
    """A service told to stop is gone within STOP_WITHIN_SECONDS. Draining normally takes well
    under a second, but a worker thread stuck in a store call would keep the process alive
    (asyncio waits for its threads), and `doorstep up` promises that its children die with it.
    Stopping hard after the grace period is safe: nothing is acknowledged before it is stored,
    so it is no worse than the crashes the crash tests make."""

    failed = False

    def give_up(self) -> None:
        """Stop as if told to, then exit with status 1: the service cannot work here."""
        self.failed = True
        self.should_exit = True

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            timer = threading.Timer(STOP_WITHIN_SECONDS, _stop_now)
            timer.daemon = True
            timer.start()
        super().handle_exit(sig, frame)


def _stop_now() -> None:
    logging.getLogger(__name__).error("still running %.0f s after being told to stop: exiting",
                                      STOP_WITHIN_SECONDS)
    os._exit(1)
