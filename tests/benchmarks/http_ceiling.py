"""The fastest any FastAPI command can be here: a route that does nothing, served the way every
Doorstep service is served (`shared/http/serve.py`: uvicorn, uvloop, httptools), and driven by the same
client as the end-to-end benchmark. A command that stores, publishes and reaches the trail can be
no faster than this, so its rate, in the same run, is the ceiling for `e2e_throughput.py`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from shared.http.serve import serve
from shared.runtime.launcher import free_port
from shared.testing.polling import until_sync

ROOT = Path(__file__).resolve().parents[2]


def empty_api() -> FastAPI:
    api = FastAPI()

    @api.post("/v1/schools/{urn}/visits/{visit_id}/check-ins")
    async def check_in(urn: str, visit_id: str) -> dict[str, Any]:
        """Nothing stored, nothing published: only HTTP and FastAPI's own work."""
        return {"visit_id": visit_id, "status": "on_site"}

    @api.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return api


@contextmanager
def empty_service() -> Iterator[tuple[str, int]]:
    """Start the empty route as its own process; yields its base URL and its pid."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.http_ceiling",
                                "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        until_sync(lambda: httpx.get(f"{url}/health", timeout=1), "the empty route up",
                   seconds=30, every=0.1, ready=lambda answer: answer.status_code == 200,
                   ignoring=(httpx.HTTPError,))
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(15)


if __name__ == "__main__":
    serve("ceiling", empty_api)
