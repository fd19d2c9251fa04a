"""A service keeps an idle connection open longer than its clients keep one to reuse.

Reproduces a ReadError seen putting visits on site: uvicorn closed idle connections after 5 s,
httpx reuses them for 5 s, and a request sent as the server closed got no answer at all."""

from __future__ import annotations

import socket
import time

from tests.benchmarks.http_ceiling import empty_service

REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def response(sock: socket.socket) -> bytes:
    """One whole response: uvicorn writes the head and the body apart, so one recv may hold
    only the head (CI once read the first body as the second answer)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"the connection was closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, f"the connection was closed mid-body after {body!r}"
        body += chunk
    assert len(body) == length, "more came than the response holds"
    return head


def test_an_idle_connection_is_still_open_after_the_clients_keep_alive() -> None:
    with empty_service() as (url, _):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(REQUEST)
            assert response(sock).startswith(b"HTTP/1.1 200")
            time.sleep(6.5)  # past httpx's keepalive_expiry (5 s) and uvicorn's old default
            sock.sendall(REQUEST)
            assert response(sock).startswith(b"HTTP/1.1 200")
