"""The trust's dashboard in one read: each projection for all of a trust's schools at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from services.records import projections
from services.records.api import App
from shared.security.tokens import CurrentPrincipal

router = APIRouter(prefix="/v1/dashboard", tags=["records"])
View = Literal["visits-in-progress", "incidents-awaiting-sharing", "concerns-awaiting-dsl",
               "daily-activity"]


@router.get("/{view}")
def trust_dashboard(view: View, app: App, principal: CurrentPrincipal, since: Annotated[
        date | None, Query(description="daily-activity only: the first day to include")] = None,
                    ) -> list[dict[str, Any]]:
    """What is open at every school of the trust, each row naming its school: one query."""
    return projections.read(app.trail.engine, view.replace("-", "_"), principal.trust_id,
                            since=since.isoformat() if since else None)
