"""Wires the pages: sessions, the stream follower, the services' APIs, and one access policy."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from services.web.api import (
    ask,
    board,
    dsl,
    feedback,
    imports,
    inspection,
    oidc,
    pins,
    policy,
    safeguarding,
    schools,
    signin,
    staff,
    trust,
)
from services.web.api.pages import page
from services.web.application import WebApplication
from services.web.backend import Backend
from services.web.session import SessionAuth, Sessions, come_back_to
from services.web.settings import DEV_SESSION_SECRET, WebSettings
from services.web.subscribers import Live
from services.web.telling import Teller
from services.web.watching import Watcher
from shared.http.bodies import CheckedBodies
from shared.runtime.settings import DoorstepSettings
from shared.security.access import check_complete, enforce
from shared.service.observed import install
from shared.storage.store import store_env

NAME = "web"
# pages whose forms carry whole files: an MIS export, a policy pack and its policy text
UPLOAD_PAGES = re.compile(f"{imports.PAGES.pattern}|{policy.PAGES.pattern}")


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    settings = settings or DoorstepSettings()
    own = WebSettings()
    if settings.environment == "production" and own.session_secret == DEV_SESSION_SECRET:
        raise ValueError("DOORSTEP_WEB_SESSION_SECRET must be set to a real secret in production")

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        following = Live(settings, timedelta(hours=own.history_hours))
        api.state.live, api.state.backend = following, Backend(own)
        api.state.colleagues_kept = {}  # the registers' names as asked (api/people.py)
        api.state.directory = following.directory
        store = await asyncio.to_thread(WebApplication, store_env(settings, NAME))
        watcher = api.state.watcher = Watcher(following, store, own, Teller(own))

        async def come_up_then_listen() -> None:
            await following.come_up(getattr(api.state, "give_up", None))
            if following.client is not None and following.jetstream.ready:
                await watcher.start(following.client)  # escalation's heartbeat

        coming_up = asyncio.create_task(come_up_then_listen())
        waiting = asyncio.create_task(following.jetstream.waiting.wait())
        await asyncio.wait({coming_up, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        watching = asyncio.create_task(watcher.run())
        try:
            yield
        finally:
            watching.cancel()
            coming_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await coming_up
            await watcher.stop()
            await watcher.teller.close()
            await following.stop()
            await api.state.backend.close()
            store.close()

    api = FastAPI(title="Doorstep pages", version="1.0.0", lifespan=lifespan,
                  dependencies=[Depends(enforce)])
    api.state.settings = settings
    api.state.web_settings = own
    api.state.sessions = Sessions(own.session_secret, own.session_hours)
    api.add_middleware(SessionAuth, sessions=api.state.sessions)
    # the pages post forms; bodies are bounded and checked as the services' are
    api.add_middleware(CheckedBodies, form_paths=("/",), upload_pages=UPLOAD_PAGES)
    install(api, NAME, settings)
    # dsl before staff: its /visits/{id}/decision must not be taken for a step of the visit;
    # ask before staff: /visits/new is not a visit's id
    # feedback before staff: POST …/visits/{id}/feedback is not one of the visit's steps
    for router in (signin.router, oidc.router, dsl.router, board.router, safeguarding.router,
                   ask.router, feedback.router, staff.router, trust.router, schools.router,
                   imports.router, pins.router, policy.router, inspection.router):
        api.include_router(router)
    api.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @api.get("/health", include_in_schema=True)
    def health(request: Request) -> JSONResponse:
        """Ready once the pages follow the stream; while JetStream keeps them waiting, says so."""
        live: Live | None = getattr(request.app.state, "live", None)
        if live is None or not live.jetstream.ready:
            reason = live.jetstream.status if live else "starting"
            return JSONResponse({"service": "web", "status": "not ready", "reason": reason},
                                status_code=503)
        return JSONResponse({"service": "web", "status": "ok"})

    api.add_exception_handler(HTTPException, _http_problem)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    check_complete(api)
    return api


def _http_problem(request: Request, error: HTTPException) -> Response:
    if request.url.path in ("/health", "/metrics") or request.url.path.startswith("/static"):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    if error.status_code == 401 and request.method == "GET":
        back = come_back_to(request.url.path + (f"?{request.url.query}" if request.url.query
                                                else ""))
        where = f"/sign-in?{urlencode({'next': back})}" if back else "/sign-in"
        return RedirectResponse(where, status_code=303)
    session = getattr(request.state, "session", None)
    return page(request, "problem.html", session, status=error.status_code,
                problems=[str(error.detail)], back="/")


def _invalid(request: Request, error: RequestValidationError) -> Response:
    problems = [f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in error.errors()[:20]]
    return page(request, "problem.html", getattr(request.state, "session", None), status=422,
                problems=problems, back=request.headers.get("referer", "/"))
