"""Run one service as its own process: `python -m services.<name> --port N`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

OFFSETS = {"web": 0, "visits": 1, "authorisation": 2, "escalation": 3, "records": 4}


def service_ports(base: int = 8000) -> dict[str, int]:
    return {name: base + offset for name, offset in OFFSETS.items()}


DEFAULT_PORTS = service_ports()


def serve(name: str, make_api: Callable[[], FastAPI]) -> None:
    parser = argparse.ArgumentParser(prog=f"services.{name}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORTS.get(name, 8000))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {name} %(levelname)s %(name)s: %(message)s")
    # SIGTERM drains like Ctrl-C: uvicorn runs the lifespan shutdown (broker drained, store closed)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    uvicorn.run(make_api(), host=args.host, port=args.port, log_level="warning",
                timeout_graceful_shutdown=10)
