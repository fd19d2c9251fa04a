"""Fixtures for the authorisation tests: the service in-process on a real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import nats
import pytest
from fastapi.testclient import TestClient
from nats.aio.client import Client

from services.authorisation.bootstrap import create_app
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.visits import VisitRequested
from shared.messaging.envelope import from_wire, to_wire
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.storage.keystore import DataSubject
from shared.testing.polling import until
from shared.testing.sealing import scratch_sealer

URN = "100001"
TRUST = "dev-trust"


def next_weekday(after: date | None = None) -> date:
    """A school day from tomorrow on, so tests do not depend on the day they run."""
    day = (after or date.today()) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def visit_requested(*, visit_id: UUID | None = None, household: str = "hh-1",
                    staff: tuple[str, ...] = ("staff-1", "staff-2"), day: date | None = None,
                    start: str = "10:00", end: str = "11:00", announced: bool = True,
                    reason_code: str | None = None, urn: str = URN) -> VisitRequested:
    day = day or next_weekday()

    def at(hhmm: str) -> datetime:
        return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00+00:00")

    return VisitRequested(
        event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=TRUST, school_urn=urn,
        visit_id=visit_id or uuid4(), actor=Actor(id=staff[0], role=Role.STAFF),
        correlation_id=uuid4(), household_id=household,
        purpose=scratch_sealer().seal(DataSubject(TRUST, "household", household), "attendance"),
        planned_date=day, planned_start=at(start), planned_end=at(end),
        staff_ids=list(staff), announced=announced, reason_code=reason_code,
        requested_by=staff[0])


class Bus:
    """A plain nats-py client on the test's stream: publish as visits would, read what is there."""

    def __init__(self, nc: Client, settings: DoorstepSettings) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.settings = settings

    async def publish(self, event: IntegrationEvent) -> None:
        wire = to_wire(event, root=self.settings.subject_root)
        await self.js.publish(wire.subject, wire.body, headers=wire.headers,
                              stream=self.settings.stream_name)

    async def events(self, event_type: str | None = None) -> list[tuple[str, IntegrationEvent]]:
        """Every event on the stream so far, with its subject."""
        info = await self.js.stream_info(self.settings.stream_name)
        found = []
        if not info.state.messages:
            return found
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await self.js.get_msg(self.settings.stream_name, seq)
            event = from_wire(dict(msg.headers or {}), msg.data or b"")
            if event_type is None or event.event_type() == event_type:
                found.append((msg.subject or "", event))
        return found

    async def wait_for(self, event_type: str, count: int = 1, timeout: float = 20.0
                       ) -> list[tuple[str, IntegrationEvent]]:
        """The stream's events of one type, once it holds `count` of them."""
        return await until(lambda: self.events(event_type), f"{count} x {event_type} on the stream",
                           seconds=timeout, every=0.1, ready=lambda found: len(found) >= count,
                           show=lambda found: [subject for subject, _ in found])


class Service:
    """The service in-process (real lifespan: broker, stream, relay, subscribers)."""

    def __init__(self, client: TestClient, settings: DoorstepSettings) -> None:
        self.client = client
        self.settings = settings

    def token(self, role: str = "dsl", user: str = "dsl-1", urn: str = URN) -> dict[str, str]:
        token = mint_token(self.settings, user=user, role=role, schools=[urn])
        return {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: Any, role: str = "dsl", user: str = "dsl-1",
             urn: str = URN) -> httpx.Response:
        response: httpx.Response = self.client.post(path, json=body,
                                                    headers=self.token(role, user, urn))
        return response

    def get(self, path: str, role: str = "dsl", user: str = "dsl-1", urn: str = URN
            ) -> httpx.Response:
        response: httpx.Response = self.client.get(path, headers=self.token(role, user, urn))
        return response

    def put(self, path: str, body: Any, role: str = "trust_it", user: str = "it-1",
            urn: str = URN) -> httpx.Response:
        response: httpx.Response = self.client.put(path, json=body,
                                                   headers=self.token(role, user, urn))
        return response

    async def known(self, visit_id: UUID, urn: str = URN, timeout: float = 20.0) -> None:
        """Wait until the VisitRequested has reached the service."""
        path = f"/v1/schools/{urn}/visits/{visit_id}/authorisation"
        await until(lambda: self.get(path, urn=urn), f"visit {visit_id} reach authorisation",
                    seconds=timeout, ready=lambda answer: answer.status_code != 404)


@pytest.fixture
def settings(make_settings: Callable[..., DoorstepSettings]) -> DoorstepSettings:
    return make_settings()


@pytest.fixture
def service(settings: DoorstepSettings) -> Iterator[Service]:
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        yield Service(client, settings)


@pytest.fixture
async def bus(settings: DoorstepSettings, service: Service) -> AsyncIterator[Bus]:
    nc = await nats.connect(settings.nats_servers)  # type: ignore[no-untyped-call]
    try:
        yield Bus(nc, settings)
    finally:
        await nc.close()
