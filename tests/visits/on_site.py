"""Puts visits on site over HTTP, as a school would: request, assess, authorise, sign out, arrive."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import httpx

from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.http import client_for
from shared.testing.polling import until
from shared.testing.wire import where_it_stopped
from tests.visits.stories import URN, sign_out, visit_request

STAFF = ["staff-0001", "staff-0002"]
WAIT = 120  # seconds for a service to hear an event, under a benchmark's load too
# Outside school hours the trust default needs a named responsible contact.
AUTHORISE = {"decision": "authorise", "responsible_contact": "head-0001",
             "out_of_hours_reason": "the only time the family can be seen"}


class VisitsOnSite:
    def __init__(self, settings: DoorstepSettings, urls: dict[str, str]) -> None:
        self.settings = settings
        self.urls = urls
        self.visit_ids: list[str] = []

    @staticmethod
    def base(visit_id: str) -> str:
        return f"/v1/schools/{URN}/visits/{visit_id}"

    def staff_headers(self) -> dict[str, str]:
        token = mint_token(self.settings, user="staff-0001", role="staff", schools=[URN])
        return {"Authorization": f"Bearer {token}"}

    def staff_client(self, **options: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.urls["visits"], timeout=30.0,
                                 headers=self.staff_headers(), **options)

    async def put_on_site(self, count: int, in_flight: int = 16) -> None:
        staff = self.staff_client()
        dsl = client_for(self.settings, self.urls["authorisation"], user="dsl-0001", role="dsl",
                         schools=[URN])
        gate = asyncio.Semaphore(in_flight)
        async with staff, dsl:
            async def one() -> None:
                async with gate:
                    self.visit_ids.append(await self._one(staff, dsl))

            await asyncio.gather(*(one() for _ in range(count)))

    async def one(self, household: str) -> str:
        """One visit to this household, on site; its id."""
        staff = self.staff_client()
        dsl = client_for(self.settings, self.urls["authorisation"], user="dsl-0001", role="dsl",
                         schools=[URN])
        async with staff, dsl:
            visit_id = await self._one(staff, dsl, household)
        self.visit_ids.append(visit_id)
        return visit_id

    async def _one(self, staff: httpx.AsyncClient, dsl: httpx.AsyncClient,
                   household: str | None = None) -> str:
        # a household of its own: a first visit needs only the initial checklist
        household = household or f"hh-{uuid4().hex[:12]}"
        created = await staff.post(f"/v1/schools/{URN}/visits",
                                   json=visit_request(STAFF, household_id=household))
        created.raise_for_status()
        visit_id: str = created.json()["visit_id"]
        base = self.base(visit_id)
        try:
            await until(lambda: dsl.get(f"{base}/authorisation"),
                        f"visit {visit_id} reach authorisation", seconds=WAIT,
                        ready=lambda answer: answer.status_code == 200)
        except AssertionError as error:  # say where it stopped: the stream, or a consumer
            raise AssertionError(f"{error}; {await where_it_stopped(self.settings)}") from error
        (await dsl.post(f"{base}/risk-assessments", json={"kind": "initial", "score": 4})
         ).raise_for_status()
        (await dsl.post(f"{base}/decision", json=AUTHORISE)).raise_for_status()
        await until(lambda: staff.get(base), f"visit {visit_id} authorised in visits", seconds=WAIT,
                    ready=lambda answer: answer.json().get("status") == "authorised",
                    show=lambda answer: answer.text)
        (await staff.post(f"{base}/departure", json=sign_out(STAFF))).raise_for_status()
        (await staff.post(f"{base}/arrival", json={"dynamic_risk_ok": True})).raise_for_status()
        return visit_id
