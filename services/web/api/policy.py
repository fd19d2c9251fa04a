"""The school's policy: the version it decides under and when it is due for review; a DSL's
changed pack uploaded with its policy text, the decisions of the last 90 days it would have
changed (what-if), and publishing it for the school from a date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.api.pages import after, backend, page
from services.web.session import CheckedSession, PageSession
from shared.http.bodies import MAX_UPLOAD_BYTES

Urn = Annotated[str, Path(pattern=r"^\d{6}$")]
Name = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
router = APIRouter(prefix="/schools/{urn}/policy", tags=["pages"])
SENIOR = ("dsl", "deputy_dsl", "slt", "headteacher", "trust_safety_lead", "auditor")
PAGES = re.compile(r"^/schools/\d{6}/policy/changes/new$")  # a pack and its policy, as files


@router.get("", response_class=HTMLResponse, summary="the school's policy, readable")
async def policy(urn: Urn, request: Request, session: PageSession) -> Response:
    answer = await backend(request).call(session, "GET", "authorisation",
                                         f"/v1/schools/{urn}/policy")
    if not answer.ok:
        return page(request, "problem.html", session, status=answer.status,
                    problems=answer.problem, back=f"/schools/{urn}")
    in_force = answer.body["in_force"]
    return page(request, "policy.html", session, urn=urn, pack=answer.body["effective"],
                in_force=in_force, feedback=await for_review(request, session, urn, in_force))


async def for_review(request: Request, session: PageSession, urn: str,
                     in_force: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Staff feedback since the version in force was published, for the senior leaders who
    review the policy (Ordsall 6: "feedback from staff who have conducted home visits")."""
    if session.role not in SENIOR:
        return None
    current = [v for v in in_force["versions"] if v["version"] == in_force["version"]]
    since = (current[0].get("published_at") or "")[:10] if current else ""
    answer = await backend(request).call(session, "GET", "records",
                                         f"/v1/schools/{urn}/feedback",
                                         params={"since": since} if since else None)
    return answer.body if answer.ok else []


@router.get("/changes/new", response_class=HTMLResponse, summary="propose a changed pack")
def new_change(urn: Urn, request: Request, session: PageSession) -> Response:
    return page(request, "policy_change.html", session, urn=urn)


@router.post("/changes/new", response_class=HTMLResponse,
             summary="upload a changed pack and its policy text (checked whole)")
async def upload_change(urn: Urn, request: Request, session: CheckedSession,
                        pack: Annotated[UploadFile, File(description="the pack (YAML)")],
                        policy_text: Annotated[UploadFile, File(
                            description="the policy it quotes, as plain text")]) -> Response:
    content = (await pack.read(MAX_UPLOAD_BYTES + 1)).decode("utf-8", "replace")
    text = (await policy_text.read(MAX_UPLOAD_BYTES + 1)).decode("utf-8", "replace")
    answer = await backend(request).call(
        session, "POST", "authorisation", f"/v1/schools/{urn}/policy-packs",
        {"filename": (pack.filename or "pack.yaml")[-200:], "content": content,
         "policy_text": text})
    if answer.ok:
        return RedirectResponse(f"/schools/{urn}/policy/changes/{answer.body['name']}/"
                                f"{answer.body['version']}", status_code=303)
    return after(request, answer, "", f"/schools/{urn}/policy", session, "policy_change.html",
                 urn=urn)


@router.get("/changes/{name}/{version}", response_class=HTMLResponse,
            summary="what a version would have changed in the last 90 days")
async def what_if(urn: Urn, name: Name, version: int, request: Request,
                  session: PageSession) -> Response:
    calls = backend(request)
    found = await calls.call(session, "GET", "authorisation",
                             f"/v1/policy-packs/{name}/versions/{version}")
    report = await calls.call(session, "GET", "authorisation",
                              f"/v1/schools/{urn}/policy-packs/{name}/versions/{version}/what-if")
    if not (found.ok and report.ok):
        return page(request, "problem.html", session, status=max(found.status, report.status),
                    problems=found.problem + report.problem, back=f"/schools/{urn}/policy")
    return page(request, "policy_what_if.html", session, urn=urn, version=found.body,
                report=report.body, today=datetime.now(UTC).date().isoformat())


@router.post("/changes/{name}/{version}/adoption", response_class=HTMLResponse,
             summary="publish the version and decide under it from a date")
async def adopt(urn: Urn, name: Name, version: int, request: Request, session: CheckedSession,
                from_date: Annotated[date, Form()]) -> Response:
    answer = await backend(request).call(
        session, "POST", "authorisation", f"/v1/schools/{urn}/policy/adoption",
        {"pack": name, "version": version, "from_date": from_date.isoformat()})
    here = f"/schools/{urn}/policy/changes/{name}/{version}"
    return after(request, answer, f"/schools/{urn}/policy", here, session, "problem.html")
