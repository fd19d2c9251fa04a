"""A webhook receiver for tests: checks the HMAC signature, fails the first request on purpose."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from services.escalation.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

SECRET = "test-webhook-secret-0000"


class Received:
    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.requests: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()


@contextmanager
def webhook_receiver(fail_first: int = 1) -> Iterator[tuple[str, Received]]:
    received = Received(fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            good = self.headers.get(SIGNATURE_HEADER) == sign(
                SECRET, self.headers.get(TIMESTAMP_HEADER, ""), body)
            with received.lock:
                if not good:
                    received.bad_signatures += 1
                received.requests.append(json.loads(body))
                status = 500 if len(received.requests) <= received.fail_first else 204
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
