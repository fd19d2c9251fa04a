"""A visit told as integration events, published to a real nats-server; and a tap on the results."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import nats
from nats.js import JetStreamContext

from shared.contracts import Actor, IntegrationEvent, Role, visits
from shared.contracts import authorisation as auth
from shared.messaging.bus import stream_config
from shared.messaging.envelope import from_wire, to_wire
from shared.runtime.settings import DoorstepSettings
from shared.storage.sealing import Sealer
from shared.testing.polling import until
from shared.testing.sealing import household, scratch_sealer

TRUST, SCHOOL = "west-norfolk", "123456"
STAFF = Actor(id="staff-0001", role=Role.STAFF)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Visit:
    """One visit's events, in the order the other services would publish them."""

    visit_id: UUID = field(default_factory=uuid4)
    correlation_id: UUID = field(default_factory=uuid4)
    school: str = SCHOOL
    staff: tuple[str, ...] = ("staff-0001", "staff-0002")
    buddy: str = "buddy-0001"
    sealer: Sealer | None = None  # the services' key store, when a test needs a phone opened

    def sealed(self, text: str) -> str:
        return (self.sealer or scratch_sealer()).seal(household(TRUST, "hh-1"), text)

    def base(self, at: datetime | None = None, actor: Actor = STAFF) -> dict[str, Any]:
        return {"event_id": uuid4(), "occurred_at": at or now(), "trust_id": TRUST,
                "school_urn": self.school, "visit_id": self.visit_id, "actor": actor,
                "correlation_id": self.correlation_id}

    def authorised(self, *, interval: int = 30, wait: int = 60, **plan: int
                   ) -> auth.VisitAuthorised:
        conditions = auth.VisitConditions(
            min_staff=2, staff_ids=list(self.staff), check_in_interval_minutes=interval,
            no_one_home_wait_minutes=wait, escalation=auth.EscalationPlan(**plan))
        return auth.VisitAuthorised(**self.base(actor=Actor(id="dsl-1", role=Role.DSL)),
                                    authorised_by="dsl-1", conditions=conditions)

    def departed(self, *, arrive_in: timedelta, back_in: timedelta, interval: int = 30,
                 at: datetime | None = None) -> visits.Departed:
        at = at or now()
        return visits.Departed(
            **self.base(at),
            staff=[visits.StaffOnVisit(staff_id=s, mobile=self.sealed("07700 900001"))
                   for s in self.staff],
            address=self.sealed("1 Example Street"), expecting_to_see=self.sealed("parent"),
            expected_arrival=at + arrive_in, expected_leave=at + back_in / 2,
            expected_return=at + back_in, buddy_id=self.buddy, buddy_phone=self.sealed("07700 900999"),
            check_in_interval_minutes=interval, duress_phrase_agreed=True)

    def arrived(self, at: datetime | None = None) -> visits.Arrived:
        return visits.Arrived(**self.base(at))

    def checked_in(self, sequence: int, at: datetime | None = None) -> visits.CheckedIn:
        return visits.CheckedIn(**self.base(at), sequence=sequence)

    def left(self, back_in: timedelta, at: datetime | None = None) -> visits.LeftProperty:
        at = at or now()
        return visits.LeftProperty(**self.base(at), expected_return=at + back_in)

    def returned(self, at: datetime | None = None) -> visits.Returned:
        return visits.Returned(**self.base(at))

    def duress(self, how: str = "panic") -> visits.DuressRaised:
        return visits.DuressRaised(**self.base(), raised_by="staff-0001", how=how)

    def duress_on_site(self, how: str = "phrase") -> list[IntegrationEvent]:
        """Authorised, on the way (an hour to arrive, two back), arrived, then duress."""
        return [self.authorised(),
                self.departed(arrive_in=timedelta(hours=1), back_in=timedelta(hours=2)),
                self.arrived(), self.duress(how)]


class Bus:
    """The test's own connection: publishes like another service, reads what escalation said."""

    def __init__(self, settings: DoorstepSettings, nc: Any, js: JetStreamContext) -> None:
        self.settings = settings
        self.nc = nc
        self.js = js

    async def publish(self, *events: IntegrationEvent) -> None:
        for event in events:
            wire = to_wire(event, root=self.settings.subject_root)
            await self.js.publish(wire.subject, wire.body, headers=wire.headers,
                                  stream=self.settings.stream_name)

    async def escalation_events(self, visit_id: UUID | None = None) -> list[IntegrationEvent]:
        """Every event the escalation service has published so far, in stream order."""
        subject = f"{self.settings.subject_root}.events.*.*.escalation.*"
        sub = await self.js.subscribe(subject, ordered_consumer=True)
        found: list[IntegrationEvent] = []
        try:
            while True:
                try:
                    msg = await sub.next_msg(timeout=0.5)
                except nats.errors.TimeoutError:
                    break
                event = from_wire(msg.headers, msg.data)
                if visit_id is None or event.visit_id == visit_id:
                    found.append(event)
        finally:
            await sub.unsubscribe()
        return found

    async def wait_for(self, predicate: Any, *, visit_id: UUID | None = None,
                       timeout: float = 30.0) -> list[IntegrationEvent]:
        """Poll until `predicate(events)` holds; returns the events seen then."""
        return await until(lambda: self.escalation_events(visit_id),
                           "the escalation events the test waits for", seconds=timeout, every=0.3,
                           ready=predicate, show=lambda events: [
                               f"{type(e).__name__}{getattr(e, 'level', '')}" for e in events])


@asynccontextmanager
async def bus(settings: DoorstepSettings) -> AsyncIterator[Bus]:
    nc = await nats.connect(settings.nats_servers)
    js = nc.jetstream()
    with contextlib.suppress(Exception):  # the service created it already
        await js.add_stream(stream_config(settings))
    try:
        yield Bus(settings, nc, js)
    finally:
        await nc.drain()


def of(events: list[IntegrationEvent], kind: type[IntegrationEvent]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def lines(path: Any) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return []
