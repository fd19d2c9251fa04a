"""The school office's import page: the MIS export of staff, or of pupils with their contacts,
checked first (a dry run: added, changed, removed, or each bad row by line and column), then
applied. The file checked is carried back in the page, compressed, so what is applied is what
was shown; nothing of it is kept here."""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from services.web.api import people
from services.web.api.pages import backend, page
from services.web.session import CheckedSession, PageSession, Session
from shared.http.bodies import MAX_UPLOAD_BYTES

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
Kind = Annotated[Literal["staff", "pupils"], Form(description="what the file holds")]
router = APIRouter(prefix="/schools/{urn}/imports", tags=["pages"])
PAGES = re.compile(r"^/schools/\d{6}/imports(/apply)?$")
CHUNK = 256 * 1024  # characters a hidden field holds: well under a form field's 1 MiB
MIB = MAX_UPLOAD_BYTES // 2**20


@router.get("", response_class=HTMLResponse, summary="import staff or pupils")
def imports(urn: Urn, request: Request, session: PageSession) -> Response:
    return page(request, "imports.html", session, urn=urn, kind="staff")


@router.post("", response_class=HTMLResponse, summary="check an MIS export (a dry run)")
async def check(urn: Urn, request: Request, session: CheckedSession, kind: Kind,
                file: Annotated[UploadFile, File(description="the CSV file")]) -> Response:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    name = (file.filename or "")[-120:]
    if len(data) > MAX_UPLOAD_BYTES:
        return _again(request, session, urn, kind, 413, f"{name} is larger than {MIB} MiB, the "
                      "most an import takes: split it, or leave out columns Doorstep does not "
                      "read")
    if not data.strip():
        return _again(request, session, urn, kind, 422, f"{name or 'the file'} is empty: choose "
                      "the CSV file your MIS exported")
    return await _plan(request, session, urn, kind, data, name, apply=False)


@router.post("/apply", response_class=HTMLResponse, summary="apply the file checked")
async def apply(urn: Urn, request: Request, session: CheckedSession, kind: Kind,
                packed: Annotated[list[str], Form(max_length=64)],
                filename: Annotated[str, Form(max_length=120)] = "") -> Response:
    try:
        data = unpack(packed)
    except ValueError as error:
        return _again(request, session, urn, kind, 422, str(error))
    return await _plan(request, session, urn, kind, data, filename, apply=True)


async def _plan(request: Request, session: Session, urn: str, kind: str, data: bytes,
                filename: str, *, apply: bool) -> HTMLResponse:
    answer = await backend(request).upload(session, "authorisation",
                                           f"/v1/schools/{urn}/imports/{kind}", data,
                                           {"apply": str(apply).lower()})
    if not answer.ok:
        return page(request, "imports.html", session, status=answer.status
                    if 400 <= answer.status < 500 else 502, urn=urn, kind=kind,
                    filename=filename, problems=answer.problem)
    if apply and kind == "staff":
        people.forget(request, session.trust, urn)
    return page(request, "imports.html", session, urn=urn, kind=kind, filename=filename,
                plan=answer.body, packed=[] if apply else pack(data))


def _again(request: Request, session: Session, urn: str, kind: str, status: int, problem: str
           ) -> HTMLResponse:
    return page(request, "imports.html", session, status=status, urn=urn, kind=kind,
                problems=[problem])


def pack(data: bytes) -> list[str]:
    """The file, compressed and in base64, in pieces a form field can carry."""
    text = base64.urlsafe_b64encode(zlib.compress(data, 6)).decode("ascii")
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)]


def unpack(pieces: list[str]) -> bytes:
    """The file `pack` carried; never more than an import takes, whatever was sent back."""
    try:
        compressed = base64.urlsafe_b64decode("".join(pieces).encode("ascii"))
        inflate = zlib.decompressobj()
        data = inflate.decompress(compressed, MAX_UPLOAD_BYTES + 1)
    except (binascii.Error, UnicodeEncodeError, zlib.error):
        raise ValueError("the file checked did not come back whole: check it again") from None
    if len(data) > MAX_UPLOAD_BYTES or inflate.unconsumed_tail:
        raise ValueError(f"the file is larger than {MIB} MiB, the most an import takes")
    if not inflate.eof:
        raise ValueError("the file checked did not come back whole: check it again")
    return data
