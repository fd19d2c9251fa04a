"""The responder's view beside an alarm: the visit's Home Visits Log and what has been tried.

Both come from the services' APIs as the person signed in: visits decides whether they may
see the log (and records the opening), escalation gives its history. A person who may not
see the log is told so, and shown nothing of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request

from services.web.api.pages import backend
from services.web.domain import Escalation
from services.web.domain.responders import Step, steps_of
from services.web.session import Session

Via = Literal["board", "visit", "acknowledgement"]


@dataclass(frozen=True)
class Shown:
    """A visit's Home Visits Log as this person may see it."""

    log: dict[str, Any] | None = None  # opened: they are one of those who must act
    refused: bool = False  # they are not: nothing of it is shown
    problem: str | None = None  # it could not be read just now


async def home_visits_log(request: Request, session: Session, urn: str, visit_id: str,
                          via: Via) -> Shown:
    answer = await backend(request).call(
        session, "GET", "visits", f"/v1/schools/{urn}/visits/{visit_id}/home-visits-log",
        params={"via": via})
    if answer.ok and isinstance(answer.body, dict):
        return Shown(log=answer.body)
    if answer.status in (401, 403, 404):
        return Shown(refused=True)
    return Shown(problem="; ".join(answer.problem) or f"HTTP {answer.status}")


async def what_was_tried(request: Request, session: Session, urn: str,
                         escalation_id: str, names: Mapping[str, str] | None = None
                         ) -> list[Step]:
    answer = await backend(request).call(
        session, "GET", "escalation", f"/v1/schools/{urn}/escalations/{escalation_id}/history")
    return steps_of(answer.body, names) if answer.ok and isinstance(answer.body, list) else []


async def beside(request: Request, session: Session, urn: str,
                 escalations: Iterable[Escalation], via: Via,
                 names: Mapping[str, str] | None = None, also: Iterable[str] = ()
                 ) -> tuple[dict[str, Shown], dict[str, list[Step]]]:
    """For each alarm: its visit's log (by visit id) and its steps (by escalation id), asked
    for all at once; and the logs of the visits `also` named (every visit out, while
    escalation is down: the office phones their staff itself)."""
    alarms = list(escalations)
    visits = sorted({*(e.visit_id for e in alarms), *also})
    logs, tried = await asyncio.gather(
        asyncio.gather(*(home_visits_log(request, session, urn, v, via) for v in visits)),
        asyncio.gather(*(what_was_tried(request, session, urn, e.escalation_id, names)
                         for e in alarms)))
    return (dict(zip(visits, logs, strict=True)),
            {e.escalation_id: steps for e, steps in zip(alarms, tried, strict=True)})
