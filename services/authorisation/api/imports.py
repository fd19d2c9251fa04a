"""HTTP routes that take a school's MIS export (CSV) for the pages: a dry run, or `?apply=true`.
Thin: the file is read, checked and planned by the use case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from services.authorisation.api.decisions import app_of
from shared.contracts.base import SchoolUrn
from shared.http.bodies import MAX_UPLOAD_BYTES, UPLOAD_TYPE
from shared.security.tokens import CurrentPrincipal

router = APIRouter(prefix="/v1/schools/{urn}/imports", tags=["imports from the school's MIS"])
Apply = Annotated[bool, Query(description="false (the default): a dry run that changes nothing")]


def csv_body(example: str) -> dict[str, Any]:
    """The OpenAPI request body: the CSV file itself (README: the columns)."""
    return {"requestBody": {"required": True, "content": {UPLOAD_TYPE: {
        "schema": {"type": "string", "maxLength": MAX_UPLOAD_BYTES}, "example": example}}}}


@router.post("/staff", openapi_extra=csv_body(
    "Staff ID,Legal Forename,Surname,Job Title,Mobile,Roles\r\n"
    "staff-0001,Zoë,O'Brien,Teacher,07700 900123,staff; buddy\r\n"))
async def import_staff(urn: SchoolUrn, request: Request, principal: CurrentPrincipal,
                       apply: Apply = False) -> dict[str, Any]:
    """The staff register as the file says it: who would be added, changed and removed; with
    apply=true, done. A bad row: 422 naming each line and column, nothing applied."""
    data = await _csv(request)
    plan = await run_in_threadpool(app_of(request).import_staff, urn, data, apply=apply,
                                   actor=principal.actor, trust_id=principal.trust_id)
    return plan.as_dict()


@router.post("/pupils", openapi_extra=csv_body(
    "UPN,Legal Forename,Surname,Address Line 1,Postcode,Contact 1 Name,Contact 1 Relationship,"
    "Contact 1 Mobile\r\nA123456789012,Jo,Bloggs,1 High Street,PE30 1AA,Ann Bloggs,Mother,"
    "07700 900456\r\n"))
async def import_pupils(urn: SchoolUrn, request: Request, principal: CurrentPrincipal,
                        apply: Apply = False) -> dict[str, Any]:
    """The school's households and pupils as the file says them (one row a pupil, with address
    and contacts): a dry run, or with apply=true, done. A bad row: 422, nothing applied."""
    data = await _csv(request)
    plan = await run_in_threadpool(app_of(request).import_pupils, urn, data, apply=apply,
                                   actor=principal.actor, trust_id=principal.trust_id)
    return plan.as_dict()


async def _csv(request: Request) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != UPLOAD_TYPE:
        raise HTTPException(415, f"send the file as the body, with 'Content-Type: {UPLOAD_TYPE}' "
                                 f"(got {media[:60] or 'none'!r})")
    return await request.body()
