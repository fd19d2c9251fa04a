"""The request body, checked before any route sees it: bounded, UTF-8, JSON, finite, shallow.

Every service takes JSON and nothing else (but a school's MIS export, CSV, on the import paths:
`text/csv`, up to its own bound; and the pages' forms, the import page's within that bound). A
body that is too big is refused as it arrives (413), before it is held in memory; one that is
not UTF-8, not JSON, has NaN or Infinity (which JSON does not allow, and which no store or
consumer can take) or nests deeper than any Doorstep document does, is refused with a message
that says what to fix. Routes then see only bodies they can validate.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32
BODY_METHODS = {"POST", "PUT", "PATCH"}
# A school's MIS export (a CSV of its staff, or of its pupils with their contacts) is uploaded
# whole to these paths as text/csv: about 300 bytes a pupil, so 8 MiB is some 25,000 pupils.
UPLOAD_PATHS = re.compile(r"^/v1/schools/[^/]+/imports/[^/]+$")
UPLOAD_TYPE = "text/csv"
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# A page that takes such a file takes it as a form (multipart, or carried back base64 to be
# applied): the file, a third more in base64, and room for the form around it.
PAGE_UPLOAD_BYTES = MAX_UPLOAD_BYTES * 3 // 2
PAGE_UPLOAD_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class CheckedBodies:
    """ASGI middleware: reads the body once (bounded), checks it, then replays it to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES,
                 form_paths: tuple[str, ...] = (), upload_pages: re.Pattern[str] | None = None
                 ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.form_paths = FORM_PATHS + form_paths
        self.upload_pages = upload_pages  # pages whose forms carry a whole MIS export

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        upload, page = _is_upload(scope), self._is_upload_page(scope)
        limit = MAX_UPLOAD_BYTES if upload else PAGE_UPLOAD_BYTES if page else self.max_bytes
        try:
            body = await self._read(scope, receive, limit)
            if not (upload or page or _takes_a_form(scope, self.form_paths)):
                check_json(body, _content_type(scope))
        except BodyRefused as refused:
            response = JSONResponse({"detail": refused.message, "error": refused.code},
                                    status_code=refused.status)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _is_upload_page(self, scope: Scope) -> bool:
        media = _content_type(scope).split(";")[0].strip().lower()
        return (self.upload_pages is not None and media in PAGE_UPLOAD_TYPES
                and bool(self.upload_pages.match(str(scope.get("path", "")))))

    async def _read(self, scope: Scope, receive: Receive, limit: int) -> bytes:
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_big(limit)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise BodyRefused(400, "incomplete_body", "the connection closed mid-body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_big(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


# Providers post their delivery receipts and staff's inbound texts and calls as forms (Twilio),
# and an acknowledge link's page posts a form: these paths take
# `application/x-www-form-urlencoded`, within the same size limit.
FORM_PATHS = ("/v1/notifications/", "/v1/inbound/", "/a/")


def _takes_a_form(scope: Scope, paths: tuple[str, ...]) -> bool:
    media = _content_type(scope).split(";")[0].strip().lower()
    return media == "application/x-www-form-urlencoded" and str(scope.get("path", "")).startswith(
        paths)


def _is_upload(scope: Scope) -> bool:
    media = _content_type(scope).split(";")[0].strip().lower()
    return media == UPLOAD_TYPE and bool(UPLOAD_PATHS.match(str(scope.get("path", ""))))


def check_json(body: bytes, content_type: str) -> None:
    if not body:
        return
    media = content_type.split(";")[0].strip().lower()
    if media not in {"application/json", ""} and not media.endswith("+json"):
        raise BodyRefused(415, "unsupported_media_type",
                          f"send the body as JSON with 'Content-Type: application/json' "
                          f"(got {content_type[:60]!r})")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyRefused(400, "bad_encoding", f"the body is not valid UTF-8: byte "
                          f"{error.start} (0x{body[error.start]:02x}) cannot start or continue "
                          "a character; send JSON encoded as UTF-8") from None
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise BodyRefused(422, "too_deep", f"the JSON nests {depth} levels deep; Doorstep's "
                          f"documents nest at most {MAX_DEPTH}")
    try:
        json.loads(text, parse_constant=_no_constant)
    except BodyRefused:
        raise
    except json.JSONDecodeError as error:
        raise BodyRefused(400, "bad_json", f"the body is not valid JSON: {error.msg} at line "
                          f"{error.lineno} column {error.colno}") from None


def _no_constant(name: str) -> Any:
    raise BodyRefused(422, "not_a_number", f"{name} is not a number JSON allows: send a finite "
                      "number, or leave the field out")


def _depth(text: str) -> int:
    """How deeply arrays and objects nest, outside strings: one pass, no recursion."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _too_big(limit: int) -> BodyRefused:
    if limit >= MAX_UPLOAD_BYTES:
        return BodyRefused(413, "too_large", f"the file is larger than "
                           f"{MAX_UPLOAD_BYTES // 2**20} MiB, the most an import takes: split "
                           "it, or leave out columns Doorstep does not read")
    return BodyRefused(413, "too_large", f"the body is larger than {limit // 1024} KiB, the most "
                       "any Doorstep request needs: send less")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _content_type(scope: Scope) -> str:
    return _header(scope, b"content-type") or ""
