"""HTTP routes of the escalation service: thin, each a use case of the application."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from services.escalation.application import EscalationApplication
from shared.contracts.base import TRUST_WIDE_URN, StaffId
from shared.contracts.meta import command_meta
from shared.contracts.visits import Phone
from shared.http.answers import request_id
from shared.security.tenancy import directory_of, schools_of
from shared.security.tokens import CurrentPrincipal
from shared.service.process import runtime_of

router = APIRouter(prefix="/v1/schools/{urn}", tags=["escalation"])
Urn = Annotated[str, Path(pattern=r"^\d{6}$", description="the school's URN")]



class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Body):
    person_id: StaffId
    role: Literal["office", "dsl", "deputy_dsl", "slt", "headteacher", "trust_safety_lead"]
    phone: Phone | None = None
    email: str | None = Field(None, pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}$", max_length=320)
    teams_webhook_url: HttpUrl | None = Field(None, description="a Teams channel's incoming "
                                                                "webhook")
    webhook_url: HttpUrl | None = None


class DirectoryIn(Body):
    contacts: list[ContactIn] = Field(min_length=1, max_length=200)


class ResolutionIn(Body):
    outcome: Literal["staff_safe", "contact_made", "police_called"]
    note: str = Field("", max_length=2000)


def _app(request: Request) -> EscalationApplication:
    app = runtime_of(request).app
    assert isinstance(app, EscalationApplication)
    return app


@router.get("/escalations")
def open_escalations(urn: Urn, request: Request, principal: CurrentPrincipal
                     ) -> list[dict[str, Any]]:
    """Escalations still open at this school, oldest first."""
    return _app(request).open_view(urn)


@router.get("/escalations/{escalation_id}")
def escalation(urn: Urn, escalation_id: UUID, request: Request,
               principal: CurrentPrincipal) -> dict[str, Any]:
    """One escalation's current state."""
    return _app(request).escalation(escalation_id, urn).summary()


@router.get("/escalations/{escalation_id}/history")
def history(urn: Urn, escalation_id: UUID, request: Request,
            principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every step of one escalation, in order."""
    return _app(request).history(escalation_id, urn)


@router.post("/escalations/{escalation_id}/acknowledgement")
def acknowledge(urn: Urn, escalation_id: UUID, request: Request,
                principal: CurrentPrincipal) -> dict[str, Any]:
    """Take ownership: the first named person to acknowledge owns it; the climb stops."""
    app = _app(request)
    found = app.acknowledge(escalation_id, urn, principal.actor, request_id(request))
    return found.summary()


@router.post("/escalations/{escalation_id}/no-contact")
def no_contact(urn: Urn, escalation_id: UUID, request: Request,
               principal: CurrentPrincipal) -> dict[str, Any]:
    """The buddy could not reach any staff member: a senior leader is told at once."""
    found = _app(request).no_contact(escalation_id, urn, principal.actor, request_id(request))
    return found.summary()


@router.post("/escalations/{escalation_id}/resolution")
def resolve(urn: Urn, escalation_id: UUID, body: ResolutionIn, request: Request,
            principal: CurrentPrincipal) -> dict[str, Any]:
    """Close it with the outcome: staff safe, contact made, or police called."""
    found = _app(request).resolve(escalation_id, urn, principal.actor, body.outcome, body.note,
                                  request_id(request))
    return found.summary()


@router.put("/escalation-contacts")
def set_contacts(urn: Urn, body: DirectoryIn, request: Request,
                 principal: CurrentPrincipal) -> dict[str, Any]:
    """Replace the school's escalation contacts (who is told at levels 2, 3 and the fallback)."""
    request_uuid = request_id(request)
    meta = command_meta(trust_id=principal.trust_id, school_urn=urn, actor=principal.actor,
                        correlation_id=request_uuid, causation_id=request_uuid)
    contacts = [c.model_dump(mode="json", exclude_none=True) for c in body.contacts]
    _app(request).set_directory(urn, contacts, meta)
    return {"school_urn": urn, "contacts": len(contacts)}


@router.get("/escalation-contacts")
def get_contacts(urn: Urn, request: Request, principal: CurrentPrincipal
                 ) -> list[dict[str, Any]]:
    """The school's escalation contacts."""
    return _app(request).directory(urn)


trust_router = APIRouter(prefix="/v1/escalation-ladders", tags=["escalation"])


@trust_router.get("")
def ladders(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every school of the trust whose escalation ladder reaches nobody at some level (and
    those that are complete): trust IT fills the gaps before a visit needs them."""
    schools = schools_of(request.app.state.settings, principal.trust_id, directory_of(request))
    return _app(request).ladders(principal.trust_id, schools)


class TrustLeadIn(ContactIn):
    role: Literal["trust_safety_lead"]


class TrustLeadsIn(Body):
    contacts: list[TrustLeadIn] = Field(min_length=1, max_length=50)


leads_router = APIRouter(prefix="/v1/escalation-contacts", tags=["escalation"])


@leads_router.put("")
def set_trust_leads(body: TrustLeadsIn, request: Request, principal: CurrentPrincipal
                    ) -> dict[str, Any]:
    """The trust's safety leads: level 4 of every school's ladder tells them, always."""
    request_uuid = request_id(request)
    meta = command_meta(trust_id=principal.trust_id, school_urn=TRUST_WIDE_URN,
                        actor=principal.actor, correlation_id=request_uuid,
                        causation_id=request_uuid)
    contacts = [c.model_dump(mode="json", exclude_none=True) for c in body.contacts]
    _app(request).set_trust_leads(principal.trust_id, contacts, meta)
    return {"trust_id": principal.trust_id, "contacts": len(contacts)}


@leads_router.get("")
def get_trust_leads(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The trust's safety leads."""
    return _app(request).trust_leads(principal.trust_id)
