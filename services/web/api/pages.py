"""What every page shares: templates, the person signed in, and answering a form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from services.web.backend import Answer, Backend
from services.web.domain.responders import tel
from services.web.session import Session
from services.web.subscribers import Live
from shared.security.directory import SchoolDirectory

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.globals["now"] = lambda: datetime.now(UTC)


def clock(moment: datetime | None) -> str:
    """A time as school staff read it, in the school's zone."""
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")


def clock_local(moment: datetime | str | None, zone: str = "Europe/London") -> str:
    """For a `datetime-local` field: the school's local time (in `zone`), to the minute."""
    from zoneinfo import ZoneInfo

    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


templates.env.filters["clock"] = clock
templates.env.filters["clock_local"] = clock_local
templates.env.filters["when"] = lambda text: clock(datetime.fromisoformat(text)) if text else ""
templates.env.filters["iso"] = lambda m: m.astimezone(UTC).isoformat() if m else ""
templates.env.filters["tel"] = tel
# A staff id as people know them: `names` (id -> name) from the register; the id where it has none.
templates.env.filters["named"] = lambda staff_id, names: (names or {}).get(staff_id, staff_id)


def backend(request: Request) -> Backend:
    value: Backend = request.app.state.backend
    return value


def home_of(household_id: str, upns: list[str], pupils: dict[str, str] | None) -> str:
    """A visit named by whom it is for: "Jordan and Chloë Quillfeather's home"; the household's
    reference only while the roll does not name them."""
    names = [(pupils or {})[upn] for upn in upns if upn in (pupils or {})]
    if not names:
        return f"household {household_id}"
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed}'s home"


templates.env.filters["home_of"] = home_of


def live(request: Request) -> Live:
    value: Live = request.app.state.live
    return value


def page(request: Request, name: str, session: Session | None, status: int = 200,
         **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"session": session,
                                                      "school_name": school_namer(request),
                                                      **context}, status_code=status)


def school_namer(request: Request) -> Callable[[str], str]:
    """A school's name as the directory has it (its URN only while the directory does not)."""
    directory: SchoolDirectory | None = getattr(request.app.state, "directory", None)
    return directory.name_of if directory is not None else lambda urn: f"School {urn}"


def after(request: Request, answer: Answer, done: str, again: str, session: Session,
          template: str, **context: Any) -> HTMLResponse | RedirectResponse:
    """A form's answer: on to `done` (303), or the same page again with what to fix."""
    if answer.ok:
        return RedirectResponse(done, status_code=303)
    status = answer.status if 400 <= answer.status < 500 else 502
    return page(request, template, session, status=status, problems=answer.problem,
                back=again, **context)
