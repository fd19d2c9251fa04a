"""HTTP route for the inspection pack: a school's record for a period, as one zip."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.records.api import App
from services.records.inspection import zipped
from services.records.inspection_summary import build
from shared.contracts.base import SchoolUrn
from shared.contracts.errors import Invalid
from shared.security.tokens import CurrentPrincipal

router = APIRouter(prefix="/v1/schools/{urn}", tags=["inspection"])
Day = Annotated[date, Query(description="YYYY-MM-DD")]


@router.get("/inspection-pack", response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
def inspection_pack(urn: SchoolUrn, app: App, principal: CurrentPrincipal, from_date: Day,
                    to_date: Day) -> Response:
    """The school's visits, assessments, decisions, escalations, incidents and concerns from
    `from_date` to `to_date` (included): NDJSON, a printable summary and the chain proof, zipped;
    it verifies offline with `doorstep audit verify --file chain.ndjson`."""
    if to_date < from_date:
        raise Invalid(f"to_date {to_date} is before from_date {from_date}")
    if (to_date - from_date).days > 400:
        raise Invalid("an inspection pack covers at most 400 days; ask for a shorter period")
    start = datetime.combine(from_date, time.min, UTC)
    end = datetime.combine(to_date + timedelta(days=1), time.min, UTC)
    name = f"inspection-{urn}-{from_date}-to-{to_date}"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / name
        build(app.trail.rows(principal.trust_id), app.trail.cipher.decrypt, app.sealer.unsealed,
              principal.trust_id, urn, start, end, folder)
        data = zipped(folder).read_bytes()
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}.zip"'})
