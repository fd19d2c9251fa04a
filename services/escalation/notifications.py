"""What comes back from a notification: delivery receipts, a keypress on a call, an acknowledge
link opened from a text. Each becomes events; a failure tries the person's next channel, and a
level at which nobody can be reached climbs at once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.escalation.domain import AckLink, Delivery, Escalation, Watch
from services.escalation.domain.delivery import NEXT_CHANNEL
from shared.contracts.errors import NotFound

if TYPE_CHECKING:
    from services.escalation.application import EscalationApplication


def failover(app: EscalationApplication, delivery: Delivery, now: datetime) -> list[Aggregate]:
    """After a final failure: the person's next channel, or, when every way to reach them has
    failed, mark them unreachable (which climbs when nobody at the level can be reached)."""
    escalation: Escalation | None = app.find(delivery.escalation_id, Escalation)
    if escalation is None or not escalation.climbing or delivery.channel not in NEXT_CHANNEL:
        return []
    from services.escalation.application import _escalation_meta

    meta = _escalation_meta(escalation)
    following = NEXT_CHANNEL[delivery.channel]
    if app.channels.calls(escalation.school_urn):
        sibling_id = Delivery.create_id(delivery.escalation_id, delivery.step, following,
                                        delivery.recipient_id)
        sibling: Delivery | None = app.find(sibling_id, Delivery, copy=False)
        if sibling is None:
            return _next_channel(app, escalation, delivery, following, now, meta)
        if not sibling.failed:
            return []  # still being tried the other way
    watch = app.find(Watch.create_id(escalation.visit_id), Watch, copy=False)
    if escalation.unreachable_at(delivery.level, delivery.recipient_id, now,
                                 app._contacts(escalation, watch), meta):
        return [escalation, *app._deliveries(escalation, now, meta)]
    return [escalation] if escalation.pending_events else []


def _next_channel(app: EscalationApplication, escalation: Escalation, delivery: Delivery,
                  channel: str, now: datetime, meta: dict[str, Any]) -> list[Aggregate]:
    message, made = dict(delivery.message), list[Aggregate]()
    message.pop("ack_code", None)
    if channel == "sms":
        role = role_of(delivery)
        link = app._ack_link(escalation, delivery.recipient_id, role, now, meta)
        made.append(link)
        message["ack_code"] = link.code
    made.append(Delivery(delivery.escalation_id, delivery.step, channel, delivery.recipient_id,
                         delivery.visit_id, delivery.level, delivery.address, message,
                         app.channels.max_attempts, app.channels.backoff_seconds, now,
                         delivery.meta))
    return made


def role_of(delivery: Delivery) -> str:
    for contact in delivery.message.get("contacts", []):
        if contact["person_id"] == delivery.recipient_id:
            return str(contact["role"])
    return "buddy"


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
            return [delivery, *(failover(self.app, delivery, now) if delivery.failed else [])]

        self.app._save_retrying(changes)

    def acknowledge_by_keypress(self, delivery_id: UUID) -> Escalation:
        delivery = self.delivery(delivery_id)
        return self._acknowledge(delivery.escalation_id, delivery.recipient_id,
                                 role_of(delivery), None)

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
        from services.escalation.application import _escalation_meta

        taken: list[Escalation] = []

        def changes() -> list[Aggregate]:
            escalation: Escalation | None = self.app.find(escalation_id, Escalation)
            if escalation is None:
                raise NotFound(f"no escalation {escalation_id}")
            now = self.app.clock()
            meta = {**_escalation_meta(escalation), "actor_id": person, "actor_role": role}
            changed: list[Aggregate] = []
            if code is not None:
                link = self.link(code)
                link.use(now, meta)
                changed.append(link)
            escalation.acknowledge(person, role, now, meta)
            taken[:] = [escalation]
            return [*changed, escalation] if escalation.pending_events else changed

        self.app._save_retrying(changes)
        return taken[0]
