"""A member of staff sets the PINs they key when they call in: their own, and no one else's."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from services.visits.inbound import InboundCheckIns
from shared.contracts.base import StaffId
from shared.contracts.meta import command_meta
from shared.http.answers import request_id
from shared.security.tenancy import trust_of
from shared.security.tokens import CurrentPrincipal

router = APIRouter(prefix="/v1/schools/{urn}/staff", tags=["check-in by call"])
Urn = Annotated[str, Path(pattern=r"^\d{6}$", description="the school's URN (6 digits)")]
Digits = Annotated[str, Field(pattern=r"^[0-9]{4,8}$", description="4 to 8 digits")]


class Pins(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: Digits = Field(description="keyed on a call, it checks in")
    duress_pin: Digits = Field(description="keyed on a call, it raises duress and sounds the "
                                           "same as the PIN")


@router.put("/{staff_id}/check-in-pins", status_code=204)
async def set_pins(urn: Urn, staff_id: StaffId, body: Pins, request: Request,
                   principal: CurrentPrincipal) -> None:
    """Set your own check-in PIN and duress PIN (stored only as salted scrypt hashes)."""
    inbound: InboundCheckIns = request.app.state.inbound
    cause = request_id(request)
    meta = command_meta(trust_id=trust_of(request, urn), school_urn=urn, actor=principal.actor,
                        correlation_id=cause, causation_id=cause)
    await asyncio.to_thread(inbound.set_pins, urn, staff_id, body.pin, body.duress_pin,
                            principal.actor, meta)
