"""The trust's dashboard in one read: each projection for all of a trust's schools at once."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from services.records import projections
from services.records.api import App
from shared.security.tokens import CurrentPrincipal

router = APIRouter(prefix="/v1/dashboard", tags=["records"])
View = Literal["visits-in-progress", "incidents-awaiting-sharing", "concerns-awaiting-dsl",
               "daily-activity"]


@router.get("/{view}", response_model=list[dict[str, str | int | bool]])
def trust_dashboard(view: View, app: App, principal: CurrentPrincipal, since: Annotated[
        date | None, Query(description="daily-activity only: the first day to include")] = None,
                    ) -> Response:
    """What is open at every school of the trust, each row naming its school: one query.
    The rows are plain strings, numbers and flags, written out as they are read."""
    rows = projections.read(app.trail.engine, view.replace("-", "_"), principal.trust_id,
                            since=since.isoformat() if since else None)
    return Response(json.dumps(rows, separators=(",", ":")), media_type="application/json")
