"""Use cases of what comes back from a notification: a receipt, a keypress, an acknowledge link.

Each becomes events; a failure tries the person's next channel, and a level at which nobody can
be reached climbs at once (the application's failover, in deliveries.py)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from services.escalation.application import EscalationApplication
from services.escalation.domain import AckLink, Delivery, Escalation
from services.escalation.domain.delivery import role_of
from services.escalation.meta import escalation_meta
from shared.contracts.errors import NotFound


class Notifications:
    """The use cases of what providers and people send back."""

    def __init__(self, app: EscalationApplication) -> None:
        self.app = app

    def delivery(self, delivery_id: UUID) -> Delivery:
        found: Delivery | None = self.app.find(delivery_id, Delivery)
        if found is None:
            raise NotFound(f"no notification {delivery_id}")
        return found

    def record_receipt(self, delivery_id: UUID, outcome: str, detail: str) -> None:
        def changes() -> list[Aggregate]:
            delivery, now = self.delivery(delivery_id), self.app.clock()
            if not delivery.record_receipt(outcome, detail, now):
                return []  # the provider said it before
            return [delivery, *(self.app.failover(delivery, now) if delivery.failed else [])]

        self.app.save_retrying(changes)

    def acknowledge_by_keypress(self, delivery_id: UUID) -> Escalation:
        delivery = self.delivery(delivery_id)
        return self._acknowledge(delivery.escalation_id, delivery.recipient_id,
                                 role_of(delivery), None)

    def escalation(self, escalation_id: UUID) -> Escalation:
        found: Escalation | None = self.app.find(escalation_id, Escalation)
        if found is None:
            raise NotFound(f"no escalation {escalation_id}")
        return found

    def link(self, code: str) -> AckLink:
        found: AckLink | None = self.app.find(AckLink.create_id(code), AckLink)
        if found is None:
            raise NotFound("no such acknowledge link: open Doorstep instead")
        return found

    def acknowledge_by_link(self, code: str) -> Escalation:
        link = self.link(code)
        link.check(self.app.clock())
        return self._acknowledge(link.escalation_id, link.person_id, link.role, code)

    def _acknowledge(self, escalation_id: UUID, person: str, role: str, code: str | None
                     ) -> Escalation:
        taken: list[Escalation] = []

        def changes() -> list[Aggregate]:
            escalation: Escalation | None = self.app.find(escalation_id, Escalation)
            if escalation is None:
                raise NotFound(f"no escalation {escalation_id}")
            now = self.app.clock()
            meta = {**escalation_meta(escalation), "actor_id": person, "actor_role": role}
            changed: list[Aggregate] = []
            if code is not None:
                link = self.link(code)
                link.use(now, meta)
                changed.append(link)
            escalation.acknowledge(person, role, now, meta)
            taken[:] = [escalation]
            return [*changed, escalation] if escalation.pending_events else changed

        self.app.save_retrying(changes)
        return taken[0]
