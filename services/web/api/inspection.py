"""The inspection pack page: a school's record for a period, downloaded as one zip that verifies
offline (the records service makes it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.web.api.pages import backend, page
from services.web.session import PageSession

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
Day = Annotated[date, Query(description="YYYY-MM-DD")]
router = APIRouter(prefix="/schools/{urn}/inspection-pack", tags=["pages"])


@router.get("", response_class=HTMLResponse, summary="ask for an inspection pack")
def inspection(urn: Urn, request: Request, session: PageSession) -> Response:
    today = datetime.now(UTC).date()
    return page(request, "inspection.html", session, urn=urn,
                start=(today - timedelta(days=90)).isoformat(), end=today.isoformat())


@router.get("/download", response_class=Response, summary="the inspection pack, zipped")
async def download(urn: Urn, request: Request, session: PageSession, from_date: Day,
                   to_date: Day) -> Response:
    answer, data, disposition = await backend(request).download(
        session, "records", f"/v1/schools/{urn}/inspection-pack",
        {"from_date": from_date.isoformat(), "to_date": to_date.isoformat()})
    if answer.ok:
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": disposition})
    return page(request, "inspection.html", session, urn=urn, problems=answer.problem,
                status=answer.status if 400 <= answer.status < 500 else 502,
                start=from_date.isoformat(), end=to_date.isoformat())
