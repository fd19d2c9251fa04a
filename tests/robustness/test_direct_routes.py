"""A `DirectRoute` (shared/http/direct.py) answers every request exactly as FastAPI's own handler:
the same status, the same body, the access policy first. Both are served side by side from one
declaration, through the error handlers and body checks every service installs."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from services.visits.api import router as visits_router
from shared.http.answers import install_error_handlers
from shared.http.direct import DirectRoute
from shared.security.access import enforce

_bearer = HTTPBearer(auto_error=False)
CALLS: list[str] = []


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duress: bool = False
    note: str | None = Field(None, max_length=5)


async def policy(request: Request) -> None:
    """Stands in for the access policy: a route without a token is refused before anything."""
    CALLS.append("policy")
    if request.headers.get("authorization") != "Bearer good":
        raise HTTPException(401, "missing bearer token")
    request.state.who = "staff-1"


async def principal(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    CALLS.append("principal")
    assert credentials is not None
    return f"{request.state.who} ({credentials.scheme})"


def app_with(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(prefix="/v1/schools/{urn}/visits", route_class=route_class)

    @router.post("/{visit_id}/check-ins", status_code=201)
    async def check_in(urn: Annotated[str, Path(pattern=r"^\d{6}$")], visit_id: UUID, body: Step,
                       request: Request, who: Annotated[str, Depends(principal)],
                       waited: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        CALLS.append("endpoint")
        if body.note == "stop":
            raise HTTPException(409, "the visit has returned")
        return {"visit_id": visit_id, "urn": urn, "who": who, "duress": body.duress,
                "waited": waited, "id": request.headers.get("x-request-id")}

    api = FastAPI(dependencies=[Depends(policy)])
    api.include_router(router)
    install_error_handlers(api)
    return api


URL = "/v1/schools/123456/visits/0f8b8b5e-3f3a-4d2a-9a0a-5b6f4e1d2c3b/check-ins"
GOOD = {"authorization": "Bearer good", "x-request-id": "r-1"}
REQUESTS: list[tuple[str, dict[str, str], bytes | None, str | None]] = [
    (URL, GOOD, b'{"duress": true}', "application/json"),
    (URL + "?waited=3", GOOD, b"{}", "application/json; charset=utf-8"),
    (URL, GOOD, b'{"duress": "perhaps", "extra": 1}', "application/json"),
    (URL, GOOD, b'{"note": "far too long"}', "application/json"),
    (URL, GOOD, b'{"note": "stop"}', "application/json"),
    (URL, GOOD, b"", "application/json"),
    (URL, GOOD, b"null", "application/json"),
    (URL, GOOD, b"[1, 2]", "application/json"),
    (URL, GOOD, b'{"duress": false}', None),
    (URL, GOOD, b'{"duress": false}', "application/vnd.doorstep+json"),
    (URL, GOOD, b"{not json", "application/json"),
    (URL + "?waited=-1", GOOD, b"{}", "application/json"),
    (URL.replace("123456", "12345x"), GOOD, b"{}", "application/json"),
    (URL.replace("0f8b8b5e-3f3a", "not-a-uuid"), GOOD, b"{}", "application/json"),
    (URL, {}, b'{"duress": "perhaps"}', "application/json"),
]


@pytest.fixture
def both() -> tuple[FastAPI, FastAPI]:
    return app_with(APIRoute), app_with(DirectRoute)


async def answers(api: FastAPI) -> list[tuple[int, str, Any, list[str]]]:
    seen = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api),
                                 base_url="http://doorstep") as client:
        for url, headers, body, content_type in REQUESTS:
            sent = dict(headers) | ({"content-type": content_type} if content_type else {})
            CALLS.clear()
            answer = await client.post(url, content=body, headers=sent)
            seen.append((answer.status_code, answer.headers["content-type"], answer.json(),
                         list(CALLS)))
    return seen


async def test_a_direct_route_answers_as_fastapi_does(both: tuple[FastAPI, FastAPI]) -> None:
    standard, direct = both
    expected, got = await answers(standard), await answers(direct)
    statuses = [status for status, *_ in expected]
    assert statuses == [201, 201, 422, 422, 409, 422, 422, 422, 422, 201, 400, 422, 422, 422, 401]
    for request, want, have in zip(REQUESTS, expected, got, strict=True):
        assert have == want, request
    assert expected[-1][3] == ["policy"]  # refused before the body was looked at


async def test_a_direct_route_is_planned_and_overrides_still_apply(
        both: tuple[FastAPI, FastAPI]) -> None:
    _, direct = both
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=direct),
                                 base_url="http://doorstep") as client:
        await client.post(URL, json={}, headers=GOOD)
        routes = [route for route in _routes(direct) if isinstance(route, DirectRoute)]
        assert routes
        assert all(route.planned for route in routes)

        async def someone_else() -> str:
            return "an override"
        direct.dependency_overrides[principal] = someone_else
        answer = await client.post(URL, json={}, headers=GOOD)
    assert answer.json()["who"] == "an override"


async def test_the_visit_commands_are_planned() -> None:
    """Every command of the visits router, included behind the access policy, is answered by
    its plan: were one to fall back quietly, the check-in would lose what the plan saves
    (README, Benchmarks). Without a token each is refused by the policy, planned or not."""
    api = FastAPI(dependencies=[Depends(enforce)])
    api.include_router(visits_router)
    install_error_handlers(api)
    commands = [route for route in visits_router.routes
                if isinstance(route, DirectRoute) and "POST" in route.methods]
    assert len(commands) >= 8
    for route in commands:
        route.planned = False  # until built for where it is included, at the first request
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api),
                                 base_url="http://doorstep") as client:
        for route in commands:
            url = route.path.format(urn="123456", visit_id="0f8b8b5e-3f3a-4d2a-9a0a-5b6f4e1d2c3b")
            answer = await client.post(url, json={})
            assert answer.status_code == 401, (url, answer.text)
    assert {route.path: route.planned for route in commands} == {
        route.path: True for route in commands}


def _routes(api: FastAPI) -> list[Any]:
    found: list[Any] = []
    for route in api.router.routes:
        original = getattr(route, "original_router", None)
        found.extend(original.routes if original is not None else [route])
    return found
