"""The services' APIs, called as the person signed in (their token: the services check it too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.web.session import Session
from services.web.settings import WebSettings

UPLOAD_SECONDS = 120.0  # a whole school's pupils: seconds, on a slow disk longer


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def problem(self) -> list[str]:
        """What the service said was wrong: its message, then each rule or field it named."""
        if self.ok or not isinstance(self.body, dict):
            return [] if self.ok else [f"HTTP {self.status}"]
        detail = self.body.get("detail")
        items = detail if isinstance(detail, list) else [str(detail or "")]
        said = [item if isinstance(item, str) else
                f"{'.'.join(map(str, item.get('loc', [])[1:]))}: {item.get('msg', '')}"
                for item in [*items, *(self.body.get("details") or [])]]
        return [line for line in said if line]


class Backend:
    def __init__(self, settings: WebSettings) -> None:
        self.urls = {"visits": settings.visits_url, "authorisation": settings.authorisation_url,
                     "escalation": settings.escalation_url, "records": settings.records_url}
        self.client = httpx.AsyncClient(timeout=10.0)

    async def call(self, session: Session, method: str, service: str, path: str,
                   body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
                   ) -> Answer:
        try:
            response = await self.client.request(
                method, self.urls[service] + path, json=body, params=params,
                headers={"Authorization": f"Bearer {session.token}"})
        except httpx.TransportError as error:
            return unreachable(service, error)
        return _answer(response)

    async def upload(self, session: Session, service: str, path: str, data: bytes,
                     params: dict[str, Any]) -> Answer:
        """A file (a school's MIS export) as the body, `text/csv`; an import takes its time."""
        try:
            response = await self.client.post(
                self.urls[service] + path, content=data, params=params, timeout=UPLOAD_SECONDS,
                headers={"Authorization": f"Bearer {session.token}", "Content-Type": "text/csv"})
        except httpx.TransportError as error:
            return unreachable(service, error)
        return _answer(response)

    async def download(self, session: Session, service: str, path: str, params: dict[str, Any]
                       ) -> tuple[Answer, bytes, str]:
        """A file a service makes (an inspection pack): the answer, its bytes and its name."""
        response = await self.client.get(
            self.urls[service] + path, params=params, timeout=UPLOAD_SECONDS,
            headers={"Authorization": f"Bearer {session.token}"})
        if response.status_code != 200:
            return _answer(response), b"", ""
        return (Answer(200, None), response.content,
                response.headers.get("content-disposition", "attachment"))

    async def close(self) -> None:
        await self.client.aclose()


def unreachable(service: str, error: httpx.TransportError) -> Answer:
    """A service that did not answer (down, restarting, too slow): a page that says so, not a
    500; nothing was done, so the person can try again."""
    return Answer(503, {"detail": f"the {service} service did not answer ({type(error).__name__})"
                                  ": nothing was changed; try again in a moment"})


def _answer(response: httpx.Response) -> Answer:
    try:
        payload = response.json()
    except ValueError:
        payload = response.text
    return Answer(response.status_code, payload)
