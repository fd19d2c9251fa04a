"""The HTTP edge every service shares: errors as clear 4xx answers, and /health."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.contracts.errors import (
    Conflict,
    DoorstepError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    RulesBroken,
)
from shared.http.bodies import CheckedBodies


class ErrorBody(BaseModel):
    """Every 4xx: what went wrong, in words a person can act on, and a stable code."""

    detail: str | list[dict[str, Any]]
    error: str | None = None


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# The 4xx any route can give; listed in every OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("the body is not valid JSON or not UTF-8"),
    401: _error("no bearer token, or one that is expired or not valid"),
    403: _error("the token's role may not do this; the message names the roles that may"),
    404: _error("no such school, visit or record for this token"),
    409: _error("the visit or record is not in a state that allows this, or a rule refuses it"),
    410: _error("a link or code that worked once, or has expired"),
    413: _error("the body is larger than the limit"),
    415: _error("the body is not sent as application/json"),
    422: _error("the request does not match what this route takes; each problem is named"),
}
MAX_PROBLEMS = 20
EXCERPT = 80
STATUS = {NotFound: 404, Gone: 410, Conflict: 409, RulesBroken: 409, Forbidden: 403, Invalid: 422}


def install_error_handlers(app: FastAPI) -> None:
    async def on_doorstep_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DoorstepError)
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        body: dict[str, Any] = {"detail": error.message, "error": error.code}
        if error.details:
            body["details"] = error.details
        return JSONResponse(body, status_code=status)

    async def on_invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = list(error.errors())
        shown = [_problem(problem) for problem in problems[:MAX_PROBLEMS]]
        body: dict[str, Any] = {"detail": shown, "error": "invalid"}
        if len(problems) > MAX_PROBLEMS:
            body["more"] = f"{len(problems) - MAX_PROBLEMS} more problems not shown"
        return JSONResponse(body, status_code=422)

    app.add_exception_handler(DoorstepError, on_doorstep_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_middleware(CheckedBodies)


def _problem(problem: dict[str, Any]) -> dict[str, Any]:
    """One validation problem, echoing at most a short excerpt of what was sent."""
    shown = {"loc": list(problem.get("loc", ()))[:10], "msg": str(problem.get("msg", ""))[:300],
             "type": problem.get("type", "")}
    if "input" in problem:
        text = json.dumps(problem["input"], default=str)
        shown["input"] = text if len(text) <= EXCERPT else text[:EXCERPT] + "..."
    return shown


def request_id(request: Request) -> UUID:
    """The causation id of a command: the caller's X-Request-Id if it is a UUID, else a new one."""
    given = request.headers.get("x-request-id", "")
    try:
        return UUID(given)
    except ValueError:
        return uuid4()
