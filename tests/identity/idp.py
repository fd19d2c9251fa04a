"""A local identity provider for tests: real RSA and EC keys, a JWKS endpoint, one rotation, and
the authorisation code flow with PKCE (/authorize, /token) as Entra ID and Google speak it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode
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
        self.client_id, self.client_secret = "doorstep-pages", "s3cret-from-settings"
        self.signs_in: dict[str, Any] = {}  # the claims of whoever signs in at /authorize
        self.codes: dict[str, dict[str, Any]] = {}

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


    def authorize(self, query: dict[str, str]) -> str:
        """The person signs in (as `signs_in`); the browser goes back with a one-time code."""
        if query.get("client_id") != self.client_id or query.get(
                "code_challenge_method") != "S256" or not query.get("code_challenge"):
            raise ValueError("invalid_request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": query["code_challenge"],
                            "redirect_uri": query["redirect_uri"], "claims": dict(self.signs_in)}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("client_secret") != self.client_secret:
            raise ValueError("invalid_grant")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                             ).decode().rstrip("=")
        if challenge != grant["challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            raise ValueError("invalid_grant")
        return {"access_token": self.token(self.published[0], **grant["claims"]),
                "token_type": "Bearer", "expires_in": 3600}


@contextmanager
def running_idp() -> Iterator[LocalIdP]:
    idp = LocalIdP()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/authorize":
                try:
                    where = idp.authorize(dict(parse_qsl(query)))
                except (ValueError, KeyError):
                    return self._json(400, {"error": "invalid_request"})
                self.send_response(302)
                self.send_header("location", where)
                self.end_headers()
                return None
            return self._json(200 if path == "/keys" else 404, idp.jwks())

        def do_POST(self) -> None:
            size = int(self.headers.get("content-length", 0))
            form = dict(parse_qsl(self.rfile.read(size).decode()))
            try:
                self._json(200, idp.exchange(form))
            except ValueError as error:
                self._json(400, {"error": str(error)})

        def _json(self, status: int, value: Any) -> None:
            body = json.dumps(value).encode()
            self.send_response(status)
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
