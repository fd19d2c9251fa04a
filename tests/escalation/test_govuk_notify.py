"""Escalations through GOV.UK Notify (a local double speaking its API): a text to the buddy, its
permanent failure (Notify's receipt) raising level 2 at once, a text and an email there."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from shared.contracts.escalation import EscalationRaised, NotificationDelivered, NotificationFailed
from shared.security.tokens import mint_token
from shared.testing.polling import until
from shared.testing.sealing import sealer_for
from tests.escalation.notify_double import (
    API_KEY,
    CALLBACK_TOKEN,
    EMAIL_TEMPLATE,
    SMS_TEMPLATE,
    local_notify,
)
from tests.escalation.story import SCHOOL, TRUST, Visit, bus, of
from tests.escalation.test_twilio import BUDDY_PHONE, WAIT

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


async def test_notify_texts_then_a_failed_receipt_climbs_and_emails(make_settings,
                                                                    make_cluster) -> None:
    with local_notify() as notify:
        settings = make_settings(default_trust=TRUST)
        cluster = make_cluster(settings, names=("escalation",), start=False)
        service = cluster["escalation"]
        service.env.update({
            "DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1", "DOORSTEP_ESCALATION_GATEWAY": "notify",
            "DOORSTEP_ESCALATION_NOTIFY_API_URL": notify.url,
            "DOORSTEP_ESCALATION_NOTIFY_API_KEY": API_KEY,
            "DOORSTEP_ESCALATION_NOTIFY_SMS_TEMPLATE": SMS_TEMPLATE,
            "DOORSTEP_ESCALATION_NOTIFY_EMAIL_TEMPLATE": EMAIL_TEMPLATE,
            "DOORSTEP_ESCALATION_NOTIFY_CALLBACK_TOKEN": CALLBACK_TOKEN,
            "DOORSTEP_ESCALATION_PUBLIC_URL": service.url})
        cluster.start()
        callback = f"{service.url}/v1/notifications/notify/status"
        token = mint_token(settings, user="dsl-0001", role="dsl", schools=[SCHOOL], trust=TRUST)
        httpx.put(f"{service.url}/v1/schools/{SCHOOL}/escalation-contacts", json={"contacts": [
            {"person_id": "slt-0001", "role": "slt", "phone": "07700 900101",
             "email": "slt@school.example"},
            {"person_id": "head-0001", "role": "headteacher", "phone": "07700 900102"}]},
            headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            await nats_bus.publish(
                visit.authorised(interval=5, level2_after_minutes=240, level3_after_minutes=240),
                visit.departed(arrive_in=timedelta(seconds=1), back_in=timedelta(hours=1)),
                visit.arrived())
            [text] = await until(lambda: notify.of("sms", BUDDY_PHONE), "a text to the buddy",
                                 seconds=WAIT)
            assert "missed a check-in" in text["personalisation"]["message"]
            assert notify.receipt(callback, text, "permanent-failure",
                                  token="not-the-token").status_code == 403
            assert notify.receipt(callback, text, "permanent-failure").status_code == 204
            [senior] = await until(lambda: notify.of("sms", "07700 900101"), "level 2's text",
                                   seconds=WAIT)
            [mail] = await until(lambda: notify.of("email", "slt@school.example"),
                                 "level 2's email", seconds=WAIT)
            assert "/a/" in mail["personalisation"]["message"]  # the acknowledge link
            assert notify.receipt(callback, senior, "delivered").status_code == 204
            events = await nats_bus.wait_for(
                lambda es: of(es, NotificationDelivered) and [
                    e for e in of(es, EscalationRaised) if e.level == 2],
                visit_id=visit.visit_id)
        [failed] = of(events, NotificationFailed)
        assert (failed.channel, failed.outcome, failed.recipient_id) == ("sms", "failed",
                                                                         "buddy-0001")
        [delivered] = of(events, NotificationDelivered)
        assert (delivered.channel, delivered.recipient_id) == ("sms", "slt-0001")
        assert notify.refused == 0


async def test_a_school_can_choose_its_own_provider(make_settings, make_cluster) -> None:
    from tests.escalation.twilio_double import SENDER, SID, TOKEN, local_twilio

    with local_notify() as notify, local_twilio() as twilio:
        settings = make_settings(default_trust=TRUST)
        cluster = make_cluster(settings, names=("escalation",), start=False)
        service = cluster["escalation"]
        service.env.update({
            "DOORSTEP_ESCALATION_GATEWAY": "twilio",  # the deployment's default ...
            "DOORSTEP_ESCALATION_SCHOOL_GATEWAYS": f'{{"{SCHOOL}": "notify"}}',  # ... not here
            "DOORSTEP_ESCALATION_TWILIO_API_URL": twilio.url,
            "DOORSTEP_ESCALATION_TWILIO_ACCOUNT_SID": SID,
            "DOORSTEP_ESCALATION_TWILIO_AUTH_TOKEN": TOKEN,
            "DOORSTEP_ESCALATION_TWILIO_FROM": SENDER,
            "DOORSTEP_ESCALATION_NOTIFY_API_URL": notify.url,
            "DOORSTEP_ESCALATION_NOTIFY_API_KEY": API_KEY,
            "DOORSTEP_ESCALATION_NOTIFY_SMS_TEMPLATE": SMS_TEMPLATE,
            "DOORSTEP_ESCALATION_PUBLIC_URL": service.url})
        cluster.start()
        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            await nats_bus.publish(*visit.duress_on_site("phrase"))
            await until(lambda: notify.of("sms", BUDDY_PHONE), "the school's own provider",
                        seconds=WAIT)
        assert twilio.sent == []  # neither a text nor a call through the default provider
