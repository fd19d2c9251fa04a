"""Wires the pages: sessions, the stream follower, the services' APIs, and one access policy."""

from __future__ import annotations

import contextlib
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
    imports,
    oidc,
    safeguarding,
    schools,
    signin,
    staff,
    trust,
)
from services.web.api.pages import page
from services.web.backend import Backend
from services.web.session import SessionAuth, Sessions, come_back_to
from services.web.settings import DEV_SESSION_SECRET, WebSettings
from services.web.subscribers import Live
from shared.http.bodies import CheckedBodies
from shared.runtime.settings import DoorstepSettings
from shared.security.access import check_complete, enforce
from shared.service.observed import install

NAME = "web"


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    settings = settings or DoorstepSettings()
    own = WebSettings()
    if settings.environment == "production" and own.session_secret == DEV_SESSION_SECRET:
        raise ValueError("DOORSTEP_WEB_SESSION_SECRET must be set to a real secret in production")

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        following = Live(settings, timedelta(hours=own.history_hours))
        await following.start()
        api.state.live, api.state.backend = following, Backend(own)
        api.state.directory = following.directory
        try:
            yield
        finally:
            await following.stop()
            await api.state.backend.close()

    api = FastAPI(title="Doorstep pages", version="1.0.0", lifespan=lifespan,
                  dependencies=[Depends(enforce)])
    api.state.settings = settings
    api.state.web_settings = own
    api.state.sessions = Sessions(own.session_secret, own.session_hours)
    api.add_middleware(SessionAuth, sessions=api.state.sessions)
    # the pages post forms; bodies are bounded and checked as the services' are
    api.add_middleware(CheckedBodies, form_paths=("/",), upload_pages=imports.PAGES)
    install(api, NAME, settings)
    # dsl before staff: its /visits/{id}/decision must not be taken for a step of the visit;
    # ask before staff: /visits/new is not a visit's id
    for router in (signin.router, oidc.router, dsl.router, board.router, safeguarding.router,
                   ask.router, staff.router, trust.router, schools.router, imports.router):
        api.include_router(router)
    api.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @api.get("/health", include_in_schema=True)
    def health() -> dict[str, str]:
        return {"status": "ok"}

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
