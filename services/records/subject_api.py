"""A data subject's rights: the DSL's subject access export, and erasure by documented decision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.records.api import App, Urn
from services.records.trail import Selection
from shared.contracts.errors import NotFound
from shared.security.tenancy import trust_of
from shared.security.tokens import CurrentPrincipal
from shared.storage.keystore import DataSubject

router = APIRouter(prefix="/v1/schools/{urn}/data-subjects/{kind}/{subject_id}",
                   tags=["data subjects"])
Kind = Literal["household", "pupil"]
SubjectId = Annotated[str, Path(pattern=r"^[\w.:/-]{1,64}$", description="the school's reference")]


class ErasureDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(min_length=3, max_length=500, description=(
        "the documented decision, e.g. 'ICO request 2026-114 upheld'; no names"))


def _held_here(app: App, request: Request, urn: str, kind: str, subject_id: str
               ) -> list[dict[str, Any]]:
    selection = Selection(trust_id=trust_of(request, urn), ref=f"{kind}:{subject_id}",
                          schools=(urn,))
    entries = app.history(selection)
    if not entries:
        raise NotFound(f"school {urn} holds nothing about {kind} {subject_id}")
    return entries


@router.get("/access-export")
def access_export(urn: Urn, kind: Kind, subject_id: SubjectId, request: Request, app: App,
                  principal: CurrentPrincipal) -> JSONResponse:
    """Everything the school holds about a pupil or household, opened, in order: a file for a
    subject access request under UK data protection law."""
    entries = _held_here(app, request, urn, kind, subject_id)
    body = {"subject": f"{kind}:{subject_id}", "school_urn": urn,
            "exported_at": datetime.now(UTC).isoformat(), "exported_by": principal.user_id,
            "entries": [{name: entry[name] for name in (
                "seq", "type", "occurred_at", "recorded_at", "visit_id", "actor", "payload",
                "corrected_by")} for entry in entries]}
    name = f"subject-access-{urn}-{kind}-{subject_id}.json".replace("/", "_")
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/erasure", status_code=201)
def erase(urn: Urn, kind: Kind, subject_id: SubjectId, body: ErasureDecision, request: Request,
          app: App, principal: CurrentPrincipal) -> dict[str, Any]:
    """Destroy the subject's keys: every sealed copy of their personal data becomes unreadable;
    the entries stay and the chain still verifies. Recorded as SubjectShredded."""
    _held_here(app, request, urn, kind, subject_id)
    subject = DataSubject(trust_of(request, urn), kind, subject_id)
    shredding = app.shred(subject, "erasure", body.decision, principal.actor, urn)
    return {"shredding_id": str(shredding.id), "subject": subject.ref,
            "keys_destroyed": len(shredding.key_ids)}
