"""A local identity provider for tests: real RSA and EC keys, a JWKS endpoint, one rotation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER_PATH = "/tenant-0001/v2.0"


class LocalIdP:
    """Publishes its current keys at /keys, as Entra ID does at .../discovery/v2.0/keys."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: list[str] = []
        self.url = ""

    def new_key(self, kind: str = "RS256") -> str:
        kid = uuid4().hex[:16]
        self.keys[kid] = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                          if kind == "RS256" else ec.generate_private_key(ec.SECP256R1()))
        return kid

    def publish(self, *kids: str) -> None:
        """The JWKS now lists exactly these keys (a rotation drops the old ones)."""
        self.published = list(kids)

    def jwks(self) -> dict[str, Any]:
        found = []
        for kid in self.published:
            key = self.keys[kid]
            public = key.public_key()
            jwk = json.loads(RSAAlgorithm.to_jwk(public) if isinstance(key, rsa.RSAPrivateKey)
                             else ECAlgorithm.to_jwk(public))
            found.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": found}

    @property
    def issuer(self) -> str:
        return self.url + ISSUER_PATH

    def token(self, kid: str, *, audience: str = "api://doorstep", issuer: str | None = None,
              ttl: timedelta = timedelta(hours=1), **claims: Any) -> str:
        key = self.keys[kid]
        now = datetime.now(UTC)
        body = {"iss": issuer or self.issuer, "aud": audience, "iat": now, "exp": now + ttl,
                **claims}
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


@contextmanager
def running_idp() -> Iterator[LocalIdP]:
    idp = LocalIdP()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(idp.jwks()).encode()
            self.send_response(200 if self.path == "/keys" else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    idp.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
