"""Use cases of notifying: each step's deliveries, and after a failure the next channel or level."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate

from services.escalation.directories import ContactDirectories
from services.escalation.domain import AckLink, Delivery, Escalation, Watch
from services.escalation.domain.delivery import NEXT_CHANNEL, role_of
from services.escalation.domain.ladder import TOP_LEVEL, Contact
from services.escalation.meta import escalation_meta
from services.escalation.options import Channels
from shared.contracts.meta import Meta


class Deliveries(ContactDirectories):
    """How the contacts of each step are told; the escalation application extends it."""

    channels: Channels  # given by the escalation application

    def _deliveries(self, escalation: Escalation, now: datetime, meta: Meta) -> list[Aggregate]:
        """The notifications of each step just recorded: SMS (voice too at the top), webhooks."""
        deliveries: list[Aggregate] = []
        for step in escalation.pending_events:
            contacts: list[Contact] | None = getattr(step, "contacts", None)
            if contacts is None:
                continue
            level: int = step.level  # type: ignore[attr-defined]
            message = {"escalation_id": str(escalation.id), "visit_id": str(escalation.visit_id),
                       "trust_id": escalation.trust_id, "school_urn": escalation.school_urn,
                       "level": level, "trigger": escalation.trigger,
                       "on_visit": list(escalation.on_visit),
                       "contacts": [{"person_id": c["person_id"], "role": c["role"]}
                                    for c in contacts]}
            wanted: list[tuple[str, str, str]] = []
            if self.channels.webhook_url:
                wanted.append(("webhook", "deployment", self.channels.webhook_url))
            for contact in contacts:
                if contact.get("webhook_url"):
                    wanted.append(("webhook", contact["person_id"], contact["webhook_url"]))
                school = escalation.school_urn
                if self.channels.texts(school) and contact.get("phone"):
                    wanted.append(("sms", contact["person_id"], contact["phone"]))
                    if level >= TOP_LEVEL and self.channels.calls(school):
                        wanted.append(("voice", contact["person_id"], contact["phone"]))
                if self.channels.email and contact.get("email"):
                    wanted.append(("email", contact["person_id"], contact["email"]))
                if self.channels.teams and contact.get("teams_webhook_url"):
                    wanted.append(("teams", contact["person_id"], contact["teams_webhook_url"]))
            roles = {c["person_id"]: str(c["role"]) for c in contacts}
            for channel, recipient, address in wanted:
                said = message
                if channel in ("sms", "email"):  # a link that acknowledges as its reader
                    link = self._ack_link(escalation, recipient, roles[recipient], now, meta)
                    deliveries.append(link)
                    said = {**message, "ack_code": link.code}
                deliveries.append(Delivery(
                    escalation.id, step.originator_version, channel, recipient,
                    escalation.visit_id, level, address, said, self.channels.max_attempts,
                    self.channels.backoff_seconds, now, meta))
        return deliveries

    def _ack_link(self, escalation: Escalation, person: str, role: str, now: datetime,
                  meta: Meta) -> AckLink:
        code = secrets.token_urlsafe(9)
        expires = now + timedelta(minutes=self.channels.ack_link_minutes)
        return AckLink(code, escalation.id, escalation.school_urn, person, role, expires, meta)

    def failover(self, delivery: Delivery, now: datetime) -> list[Aggregate]:
        """After a final failure: the person's next channel, or, when every way to reach them has
        failed, mark them unreachable (which climbs when nobody at the level can be reached)."""
        escalation: Escalation | None = self.find(delivery.escalation_id, Escalation)
        if escalation is None or not escalation.climbing or delivery.channel not in NEXT_CHANNEL:
            return []
        meta = escalation_meta(escalation)
        following = NEXT_CHANNEL[delivery.channel]
        if self.channels.calls(escalation.school_urn):
            sibling_id = Delivery.create_id(delivery.escalation_id, delivery.step, following,
                                            delivery.recipient_id)
            sibling: Delivery | None = self.find(sibling_id, Delivery, copy=False)
            if sibling is None:
                return self._next_channel(escalation, delivery, following, now, meta)
            if not sibling.failed:
                return []  # still being tried the other way
        watch = self.find(Watch.create_id(escalation.visit_id), Watch, copy=False)
        if escalation.unreachable_at(delivery.level, delivery.recipient_id, now,
                                     self._contacts(escalation, watch), meta):
            return [escalation, *self._deliveries(escalation, now, meta)]
        return [escalation] if escalation.pending_events else []

    def _next_channel(self, escalation: Escalation, delivery: Delivery, channel: str,
                      now: datetime, meta: Meta) -> list[Aggregate]:
        message, made = dict(delivery.message), list[Aggregate]()
        message.pop("ack_code", None)
        if channel == "sms":
            role = role_of(delivery)
            link = self._ack_link(escalation, delivery.recipient_id, role, now, meta)
            made.append(link)
            message["ack_code"] = link.code
        made.append(Delivery(delivery.escalation_id, delivery.step, channel,
                             delivery.recipient_id, delivery.visit_id, delivery.level,
                             delivery.address, message, self.channels.max_attempts,
                             self.channels.backoff_seconds, now, delivery.meta))
        return made
