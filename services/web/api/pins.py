"""A member of staff sets their own check-in PIN and duress PIN, keyed when they call in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api.pages import after, backend, page
from services.web.session import CheckedSession, PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
router = APIRouter(prefix="/schools/{urn}", tags=["pages"])


@router.get("/check-in-pins", response_class=HTMLResponse, summary="set my check-in PINs")
def pins_form(urn: Urn, request: Request, session: PageSession, set: bool = False) -> Response:
    return page(request, "check_in_pins.html", session, urn=urn, pins_set=set)


@router.post("/check-in-pins", response_class=HTMLResponse, summary="set my check-in PINs")
async def set_pins(urn: Urn, request: Request, session: CheckedSession,
                   pin: Annotated[str, Form()], duress_pin: Annotated[str, Form()]) -> Response:
    answer = await backend(request).call(
        session, "PUT", "visits", f"/v1/schools/{urn}/staff/{session.user}/check-in-pins",
        {"pin": pin, "duress_pin": duress_pin})
    return after(request, answer, f"/schools/{urn}/check-in-pins?set=true", "", session,
                 "check_in_pins.html", urn=urn, pins_set=False)
