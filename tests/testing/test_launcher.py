"""The launcher waits for the service it started, never for another process on its port.

Reproduces a CI failure: two services of one test were given ports that collided, the later one
could not bind, and `/health` answered 200 from the other, so the test talked to the wrong
service (a 404 for a route it does not have)."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from shared.runtime.launcher import ServiceProcess, free_port


class _Visits(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"service": "visits", "status": "ready"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_another_service_on_the_port_is_not_taken_for_this_one(tmp_path: Path) -> None:
    port = free_port()
    other = HTTPServer(("127.0.0.1", port), _Visits)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    process = ServiceProcess("authorisation", port, {}, tmp_path / "authorisation.log")
    process.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(TimeoutError, match="authorisation not ready"):
            process.wait_ready(timeout=2)
    finally:
        process.process.kill()
        process.process.wait()
        other.shutdown()
        other.server_close()


def test_a_port_is_handed_out_once() -> None:
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)
