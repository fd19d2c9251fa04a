"""HTTP routes for auditors across a trust: replay by person, verify, export, correct."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.records.api import App, Format, Types, event_types, moment
from services.records.export import chronology_html, export_trust
from services.records.trail import Selection
from shared.contracts import Role
from shared.contracts.base import TRUST_WIDE_URN
from shared.contracts.errors import Invalid
from shared.contracts.meta import command_meta
from shared.http.answers import request_id
from shared.security.tokens import CurrentPrincipal, Principal

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Subject = Literal["household", "pupil", "staff"]


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    corrects_event_id: str = Field(pattern=r"^[0-9a-f-]{36}$")
    reason: str = Field(min_length=3, max_length=2000)
    correction: dict[str, str] = Field(min_length=1)


def reach(principal: Principal) -> tuple[str, ...] | None:
    """The schools whose entries a principal may read: all of its trust's for a trust-wide
    role (None), its own for a school role. The access policy has checked the role."""
    return None if principal.trust_wide else tuple(principal.schools)





@router.get("/history", response_model=None)
def history(app: App, principal: CurrentPrincipal, kind: Subject, id: Annotated[
        str, Query(pattern=r"^[\w.:/@-]{1,64}$")], as_of: datetime | None = None,
            known_at: datetime | None = None, format: Format = "json", types: Types = None
            ) -> dict[str, Any] | HTMLResponse:
    """Everything about a household, pupil or staff member, in order; as of a time if asked.
    `type=HomeVisitLogOpened` lists who opened the Home Visits Log of a household's visits."""
    trust = principal.trust_id
    selection = Selection(trust_id=trust, ref=f"{kind}:{id}", schools=reach(principal),
                          as_of=moment(as_of), known_at=moment(known_at),
                          types=event_types(types))
    events = app.history(selection)
    if format == "html":
        return HTMLResponse(chronology_html(f"History of {kind} {id}", events))
    return {"trust_id": trust, kind: id, "as_of": selection.as_of, "events": events}


@router.get("/verify")
def verify(app: App, principal: CurrentPrincipal, deep: bool = False) -> dict[str, Any]:
    """Verify the trust's chain and checkpoints; name the first entry changed, if any."""
    trust = principal.trust_id
    return app.trail.verify(trust, deep=deep).as_dict()


@router.get("/checkpoints")
def checkpoints(app: App, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The trust's checkpoints, to keep outside Doorstep."""
    trust = principal.trust_id
    return [c.__dict__ for c in app.trail.checkpoints(trust)]


@router.get("/export")
def export(app: App, principal: CurrentPrincipal) -> StreamingResponse:
    """The trust's whole trail as NDJSON; `doorstep audit verify --file` checks it alone."""
    trust = principal.trust_id

    def lines() -> Iterator[str]:
        for line in export_trust(app.trail, trust):
            yield line + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{trust}-audit.ndjson"'})


@router.post("/corrections", status_code=201)
def correct(body: CorrectionBody, request: Request, app: App,
            principal: CurrentPrincipal) -> dict[str, Any]:
    """Correct an entry court-safely: a new event pointing at it; both stay in the replay."""
    if principal.role == Role.SYSTEM:
        raise Invalid("corrections are made by a person, not the system")
    cause = request_id(request)
    meta = command_meta(trust_id=principal.trust_id, school_urn=TRUST_WIDE_URN, actor=principal.actor,
                        correlation_id=cause, causation_id=cause)
    fix = app.correct(principal.trust_id, body.corrects_event_id, body.reason, body.correction,
                      meta, key=str(cause), schools=reach(principal))
    return {"correction_id": str(fix.id), "corrects_event_id": body.corrects_event_id}
