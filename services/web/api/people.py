"""People and pupils by name, as the pages show them: from authorisation's staff register and
pupil roll, asked as the person signed in. Ids stay underneath, for the services and auditors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request

from services.web.api.pages import backend, live
from services.web.session import Session

MAX_LOOKUPS = 20  # pupils looked up by UPN for one page
NAMES_KEPT_SECONDS = 60.0  # the register's names, asked again at the latest after this
NAMES_KEPT = 2_000  # (person, school) answers kept at most


@dataclass(frozen=True)
class Colleague:
    staff_id: str
    name: str | None
    job_title: str | None
    roles: tuple[str, ...]

    @property
    def label(self) -> str:
        """The person's name; their staff id only while the register does not name them."""
        return self.name or self.staff_id


@dataclass(frozen=True)
class Pupil:
    upn: str
    name: str
    household_id: str


class Unanswered(Exception):
    """Authorisation could not say: what it (or the connection) answered, to show the person."""

    def __init__(self, status: int, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.status = status
        self.problems = problems


async def _get(request: Request, session: Session, path: str,
               params: dict[str, Any] | None = None) -> Any:
    try:
        answer = await backend(request).call(session, "GET", "authorisation", path,
                                             params=params)
    except httpx.HTTPError:
        raise Unanswered(502, ["the staff register and pupil roll cannot be reached just now: "
                               "try again in a minute"]) from None
    if not answer.ok:
        raise Unanswered(answer.status if answer.status < 500 else 502, answer.problem)
    return answer.body


async def colleagues(request: Request, session: Session, urn: str) -> list[Colleague]:
    """Everyone on the school's register, by name. What authorisation answered this person is
    kept until the pages hear the school's register change (or a minute passes), so a board
    redrawn at every check-in does not ask for, and open, every name again each time."""
    kept: dict[tuple[str, ...], tuple[int, float, list[Colleague]]] = \
        request.app.state.colleagues_kept
    key = (session.trust, urn, session.user, session.role)
    changes = live(request).register_changes[(session.trust, urn)]
    hit = kept.get(key)
    if hit is not None and hit[0] == changes and time.monotonic() - hit[1] < NAMES_KEPT_SECONDS:
        return hit[2]
    body = await _get(request, session, f"/v1/schools/{urn}/colleagues")
    found = [Colleague(c["staff_id"], c.get("name"), c.get("job_title"),
                       tuple(c.get("roles") or ())) for c in body]
    if len(kept) >= NAMES_KEPT:
        kept.clear()
    kept[key] = (changes, time.monotonic(), found)
    return found


def forget(request: Request, trust: str, urn: str) -> None:
    """The register was changed from these pages: its names are asked for again at once, not
    only once its change has been heard."""
    kept = request.app.state.colleagues_kept
    for key in [key for key in kept if key[:2] == (trust, urn)]:
        del kept[key]


async def find_pupils(request: Request, session: Session, urn: str, text: str) -> list[Pupil]:
    """Pupils of the school whose name has every word of `text` in it."""
    body = await _get(request, session, f"/v1/schools/{urn}/pupils", {"name": text})
    return [Pupil(p["upn"], p["name"], p["household_id"]) for p in body]


async def pupils(request: Request, session: Session, urn: str, upns: list[str]
                 ) -> dict[str, Pupil]:
    """Each pupil by UPN, as the roll has them now; one no longer on it is left out."""
    wanted = list(dict.fromkeys(upns))[:MAX_LOOKUPS]
    if not wanted:
        return {}
    body = await _get(request, session, f"/v1/schools/{urn}/pupils", {"upn": wanted})
    return {p["upn"]: Pupil(p["upn"], p["name"], p["household_id"]) for p in body
            if p["upn"] in wanted}


async def names(request: Request, session: Session, urn: str) -> dict[str, str]:
    """Staff id -> name for the school's register; empty if it cannot be read just now (the
    pages then show ids)."""
    try:
        return {c.staff_id: c.label for c in await colleagues(request, session, urn)}
    except Unanswered:
        return {}


async def own_name(request: Request, session: Session) -> str | None:
    """The signed-in person's name on their school's register, if it names them."""
    if not session.schools:
        return None
    return (await names(request, session, session.schools[0])).get(session.user)


async def homes(request: Request, session: Session, urn: str, upns: list[str]) -> dict[str, str]:
    """Each pupil's name by UPN, for naming a visit by whom it is for; empty if the roll cannot
    be read just now (the pages then name the household by its reference)."""
    try:
        found = await pupils(request, session, urn, upns)
    except Unanswered:
        return {}
    return {upn: pupil.name for upn, pupil in found.items()}
