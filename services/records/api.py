"""HTTP routes of the records service: thin; the trail and its rules live elsewhere."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request

from services.records.application import RecordsApplication
from services.records.chain import timestamp
from services.records.trail import Selection
from shared.auth import CurrentPrincipal
from shared.service import runtime_of
from shared.tenancy import trust_of

Urn = Annotated[str, Path(pattern=r"^\d{6}$", description="the school's URN (6 digits)")]
AsOf = Annotated[datetime | None, Query(description="only what had happened by this time")]
KnownAt = Annotated[datetime | None, Query(description="only what the trail held at this time")]
router = APIRouter(tags=["records"])


def application(request: Request) -> RecordsApplication:
    app = runtime_of(request).app
    assert isinstance(app, RecordsApplication)
    return app


App = Annotated[RecordsApplication, Depends(application)]


def moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        from shared.errors import Invalid

        raise Invalid("give times with a zone, e.g. 2025-03-01T14:05:00Z")
    return timestamp(value)


@router.get("/v1/schools/{urn}/visits/{visit_id}/history")
def visit_history(urn: Urn, visit_id: UUID, request: Request, app: App,
                  principal: CurrentPrincipal, as_of: AsOf = None,
                  known_at: KnownAt = None) -> dict[str, Any]:
    """Every event of the visit, from every service, in order."""
    trust = trust_of(request, urn)
    selection = Selection(trust_id=trust, visit_id=str(visit_id), school_urn=urn,
                          as_of=moment(as_of), known_at=moment(known_at))
    events = app.history(selection)
    return {"trust_id": trust, "school_urn": urn, "visit_id": str(visit_id),
            "as_of": selection.as_of, "known_at": selection.known_at, "events": events}
