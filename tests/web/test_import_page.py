"""The import page's bounds, without a browser: the file it carries back to be applied comes back
whole or not at all, and never bigger than an import takes; its forms may be as big as the file,
and no other page's form may."""

from __future__ import annotations

import zlib
from base64 import urlsafe_b64encode

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from services.web.api.imports import CHUNK, PAGES, pack, unpack
from shared.http.bodies import MAX_UPLOAD_BYTES, PAGE_UPLOAD_BYTES, CheckedBodies
from tests.web.people import pupils_csv


def test_the_file_checked_comes_back_as_it_was() -> None:
    data = pupils_csv() * 2000  # some 600 KB
    pieces = pack(data)
    assert all(len(piece) <= CHUNK for piece in pieces)
    assert sum(map(len, pieces)) < len(data) // 5  # compressed: the page stays small
    assert unpack(pieces) == data
    windows_1252 = "Zoë".encode("cp1252")
    assert unpack(pack(windows_1252)) == windows_1252  # bytes, not text: the MIS's encoding


def test_a_file_sent_back_altered_or_too_big_is_refused() -> None:
    with pytest.raises(ValueError, match="did not come back whole"):
        unpack(["not base64 at all!"])
    with pytest.raises(ValueError, match="did not come back whole"):
        unpack([pack(b"Staff ID\r\nstaff-1\r\n")[0][:-8]])  # cut short
    bomb = urlsafe_b64encode(zlib.compress(b"\0" * (MAX_UPLOAD_BYTES + 1), 9)).decode()
    with pytest.raises(ValueError, match="larger than 8 MiB"):
        unpack([bomb])


def app() -> FastAPI:
    api = FastAPI()
    api.add_middleware(CheckedBodies, form_paths=("/",), upload_pages=PAGES)

    @api.post("/schools/{urn}/imports")
    @api.post("/schools/{urn}/visits/new")
    async def took(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return api


def test_only_the_import_page_takes_a_file_sized_form() -> None:
    client = TestClient(app())
    file = {"file": ("pupils.csv", b"x" * (2 * 1024 * 1024), "text/csv")}
    taken = client.post("/schools/123456/imports", files=file, data={"kind": "pupils"})
    assert taken.status_code == 200
    elsewhere = client.post("/schools/123456/visits/new", files=file)
    assert elsewhere.status_code == 413
    assert "larger than 256 KiB" in elsewhere.json()["detail"]
    huge = {"file": ("pupils.csv", b"x" * (PAGE_UPLOAD_BYTES + 1), "text/csv")}
    refused = client.post("/schools/123456/imports", files=huge)
    assert refused.status_code == 413
    assert "larger than 8 MiB, the most an import takes" in refused.json()["detail"]
    as_json = client.post("/schools/123456/imports", json={"kind": "staff"})
    assert as_json.status_code == 200  # JSON is still checked as JSON (and this is valid)
