"""The HTTP edge every service shares: errors as clear 4xx answers, and /health."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.errors import Conflict, DoorstepError, Forbidden, Invalid, NotFound, RulesBroken

STATUS = {NotFound: 404, Conflict: 409, RulesBroken: 409, Forbidden: 403, Invalid: 422}


def install_error_handlers(app: FastAPI) -> None:
    async def on_doorstep_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DoorstepError)
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        body: dict[str, Any] = {"detail": error.message, "error": error.code}
        if error.details:
            body["details"] = error.details
        return JSONResponse(body, status_code=status)

    app.add_exception_handler(DoorstepError, on_doorstep_error)


def request_id(request: Request) -> UUID:
    """The causation id of a command: the caller's X-Request-Id if it is a UUID, else a new one."""
    given = request.headers.get("x-request-id", "")
    try:
        return UUID(given)
    except ValueError:
        return uuid4()
