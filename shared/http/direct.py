"""Routes FastAPI declares, documents and validates as usual, with their dependencies planned once.

For every request FastAPI solves a route's dependencies afresh: a cache key and the OAuth scopes
of each, exit stacks, a `Response` to collect headers, telemetry hooks. On the check-in route's
shape (the access policy, the principal and its bearer scheme, the application) planning them
took two fifths off the request in process (199 -> 121 us: `tests/benchmarks/direct_routes.py`;
README, Benchmarks). A `DirectRoute` works out once, when the route is built, which dependencies
it has, and for each request:

1. calls them in FastAPI's order (the app-wide access policy first), each once a request;
2. validates path, query and body with FastAPI's own functions, so a 422 reads exactly as before;
3. calls the endpoint and serialises its answer with FastAPI's own `serialize_response`.

It plans only routes whose endpoint is an `async def` answering JSON and whose dependencies are
`async def`s of the request and of other such dependencies; any other route, and any request
while `dependency_overrides` are set, is handled by FastAPI's own handler.
`tests/robustness/test_direct_routes.py` sends the same requests, good and bad, to both.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi._compat import Undefined
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, _effective_route_context_var, serialize_response
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class DirectRoute(APIRoute):
    """An `APIRoute` whose requests are answered by a plan made when the route is built."""

    planned = False

    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        # Included in an app, a route is built for where it is included: that context carries
        # the app's and the router's dependencies (the access policy among them).
        context: Any = _effective_route_context_var.get()
        route: Any = context if context is not None and context.original_route is self else self
        self.planned = _plannable(route)
        if not self.planned:
            return standard
        return _Plan(route, standard).handle


def _plannable(route: Any) -> bool:
    endpoint: Dependant = route.dependant
    return (inspect.iscoroutinefunction(endpoint.call)
            and isinstance(route.response_class, DefaultPlaceholder)
            and route.status_code not in (204, 304)
            and route.response_model_include is None and route.response_model_exclude is None
            and not (endpoint.header_params or endpoint.cookie_params)
            and not _special(endpoint) and len(endpoint.body_params) <= 1
            and not route._embed_body_fields and _value(route.strict_content_type) is True
            and all(_plain(dependency) for dependency in endpoint.dependencies))


def _value(setting: Any) -> Any:
    return setting.value if isinstance(setting, DefaultPlaceholder) else setting


def _plain(dependency: Dependant) -> bool:
    """An `async def` (or an object with one as `__call__`, a security scheme) of the request and
    of other plain dependencies, remembered for the request as FastAPI does by default."""
    call = dependency.call
    asynchronous = inspect.iscoroutinefunction(call) or (
        not inspect.isroutine(call) and inspect.iscoroutinefunction(type(call).__call__))
    own_parameters = (dependency.path_params or dependency.query_params or dependency.body_params
                      or dependency.header_params or dependency.cookie_params)
    return (asynchronous and dependency.use_cache and not own_parameters
            and not _special(dependency)
            and all(_plain(inner) for inner in dependency.dependencies))


def _special(dependant: Dependant) -> bool:
    return bool(dependant.background_tasks_param_name or dependant.response_param_name
                or dependant.security_scopes_param_name or dependant.websocket_param_name)


class _Plan:
    def __init__(self, route: Any, standard: Handler) -> None:
        self.route = route
        self.standard = standard
        self.endpoint: Dependant = route.dependant

    async def handle(self, request: Request) -> Response:
        if request.app.dependency_overrides:
            return await self.standard(request)
        values: dict[str, Any] = {}
        solved: dict[Any, Any] = {}
        for dependency in self.endpoint.dependencies:
            value = await _solve(dependency, request, solved)
            if dependency.name is not None:
                values[dependency.name] = value
        body, errors = await self._parameters(request, values)
        if errors:
            raise RequestValidationError(errors, body=None if body is Undefined else body)
        if self.endpoint.request_param_name:
            values[self.endpoint.request_param_name] = request
        answer = await self.endpoint.call(**values)  # type: ignore[misc]
        if isinstance(answer, Response):
            return answer
        return await self._answer(answer)

    async def _parameters(self, request: Request, values: dict[str, Any]
                          ) -> tuple[Any, list[Any]]:
        endpoint = self.endpoint
        path, errors = request_params_to_args(endpoint.path_params, request.path_params)
        query, query_errors = request_params_to_args(endpoint.query_params, request.query_params)
        values.update(path)
        values.update(query)
        errors = errors + query_errors
        body: Any = Undefined
        if endpoint.body_params:
            body = await _body(request)
            taken, body_errors = await request_body_to_args(
                body_fields=endpoint.body_params, received_body=body, embed_body_fields=False)
            values.update(taken)
            errors.extend(body_errors)
        return body, errors

    async def _answer(self, answer: Any) -> Response:
        route = self.route
        status = route.status_code or 200
        content = await serialize_response(
            field=route.response_field, response_content=answer,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            dump_json=route.response_field is not None)
        if route.response_field is not None:
            return Response(content, status_code=status, media_type="application/json")
        return JSONResponse(content, status_code=status)


async def _solve(dependency: Dependant, request: Request, solved: dict[Any, Any]) -> Any:
    if dependency.call in solved:
        return solved[dependency.call]
    arguments: dict[str, Any] = {}
    for name in (dependency.request_param_name, dependency.http_connection_param_name):
        if name:
            arguments[name] = request
    for inner in dependency.dependencies:
        value = await _solve(inner, request, solved)
        if inner.name is not None:
            arguments[inner.name] = value
    value = await dependency.call(**arguments)  # type: ignore[misc]
    solved[dependency.call] = value
    return value


async def _body(request: Request) -> Any:
    """The body as FastAPI takes it: JSON when sent as JSON, the bytes of anything else (which
    then fail validation alike), nothing at all when empty."""
    raw = await request.body()
    if not raw:
        return Undefined
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    maintype, _, subtype = media.partition("/")
    if maintype != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise RequestValidationError([{
            "type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
            "input": {}, "ctx": {"error": error.msg}}], body=error.doc) from error
