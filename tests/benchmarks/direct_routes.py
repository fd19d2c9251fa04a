"""Benchmark: a check-in's shape of route answered by FastAPI's own handler, and by a
`DirectRoute` (shared/http/direct.py), in process, in turns, through the body checks and error
handlers every service installs. Prints microseconds a request and the ratio.

    .venv/bin/python -m tests.benchmarks.direct_routes --requests 5000 --rounds 8
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict
from starlette.types import Message

from shared.http.answers import install_error_handlers
from shared.http.direct import DirectRoute

_bearer = HTTPBearer(auto_error=False)
PATH = "/v1/schools/123456/visits/0f8b8b5e-3f3a-4d2a-9a0a-5b6f4e1d2c3b/check-ins"
BODY = b'{"duress": false}'


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duress: bool = False


async def policy(request: Request) -> None:
    request.state.principal = request.headers["authorization"]


async def principal(request: Request, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    return str(request.state.principal)


async def application(request: Request) -> str:
    return "visits"


def service(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(prefix="/v1/schools/{urn}/visits", route_class=route_class)

    @router.post("/{visit_id}/check-ins")
    async def check_in(urn: Annotated[str, Path(pattern=r"^\d{6}$")], visit_id: UUID,
                       body: CheckIn, request: Request, app: Annotated[str, Depends(application)],
                       who: Annotated[str, Depends(principal)]) -> dict[str, Any]:
        return {"visit_id": str(visit_id), "school_urn": urn, "status": "on_site",
                "staff": [who], "duress": body.duress, "check_ins": 3}

    api = FastAPI(dependencies=[Depends(policy)])
    api.include_router(router)
    install_error_handlers(api)
    return api


async def per_request(api: FastAPI, requests: int) -> float:
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "headers": [(b"host", b"doorstep"), (b"content-type", b"application/json"),
                    (b"authorization", b"Bearer token"),
                    (b"content-length", str(len(BODY)).encode())]}
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(requests):
        await api(dict(scope), receive, send)
    elapsed = time.perf_counter() - started
    assert set(statuses) == {200}, set(statuses)
    return elapsed / requests * 1e6


async def main(requests: int, rounds: int) -> None:
    apis = {"FastAPI's handler": service(APIRoute), "DirectRoute": service(DirectRoute)}
    for api in apis.values():
        await per_request(api, requests // 5)  # warm
    taken: dict[str, list[float]] = {name: [] for name in apis}
    for _ in range(rounds):
        for name, api in apis.items():
            taken[name].append(await per_request(api, requests))
    for name, figures in taken.items():
        print(f"{name:18s} median {statistics.median(figures):6.1f} us, best "
              f"{min(figures):6.1f} us a request ({rounds} rounds of {requests})")
    ratio = statistics.median(taken["DirectRoute"]) / statistics.median(taken["FastAPI's handler"])
    print(f"DirectRoute / FastAPI's handler  {ratio:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.rounds))
