"""Escalations reach people through Twilio (a local double speaking its API): a missed check-in
texts the buddy; a failed text becomes a call; nobody reachable at level 1 raises level 2 at
once; the link in a text acknowledges once, as its reader; a keypress on a call acknowledges."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from shared.contracts.escalation import (
    EscalationAcknowledged,
    EscalationRaised,
    NotificationDelivered,
    NotificationFailed,
)
from shared.security.tokens import mint_token
from shared.testing.polling import until
from shared.testing.sealing import sealer_for
from tests.escalation.story import SCHOOL, TRUST, Visit, bus, of
from tests.escalation.twilio_double import SENDER, SID, TOKEN, LocalTwilio, local_twilio

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
CONTACTS = {"contacts": [{"person_id": "slt-0001", "role": "slt", "phone": "07700 900101"},
                         {"person_id": "head-0001", "role": "headteacher",
                          "phone": "07700 900102"}]}
BUDDY_PHONE = "07700 900999"  # the story's buddy phone, sealed on the wire
WAIT = 30  # seconds for a text or a call to reach the provider


def start(make_settings, make_cluster, twilio: LocalTwilio):  # type: ignore[no-untyped-def]
    settings = make_settings(default_trust=TRUST)
    cluster = make_cluster(settings, names=("escalation",), start=False)
    service = cluster["escalation"]
    service.env.update({
        "DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1", "DOORSTEP_ESCALATION_GATEWAY": "twilio",
        "DOORSTEP_ESCALATION_TWILIO_API_URL": twilio.url,
        "DOORSTEP_ESCALATION_TWILIO_ACCOUNT_SID": SID,
        "DOORSTEP_ESCALATION_TWILIO_AUTH_TOKEN": TOKEN,
        "DOORSTEP_ESCALATION_TWILIO_FROM": SENDER,
        "DOORSTEP_ESCALATION_PUBLIC_URL": service.url})
    cluster.start()
    token = mint_token(settings, user="dsl-0001", role="dsl", schools=[SCHOOL], trust=TRUST)
    httpx.put(f"{service.url}/v1/schools/{SCHOOL}/escalation-contacts", json=CONTACTS,
              headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    return settings, service.url


async def test_a_missed_check_in_texts_then_calls_then_climbs_and_a_link_acknowledges(
        make_settings, make_cluster, tmp_path: Path) -> None:
    with local_twilio() as twilio:
        settings, _ = start(make_settings, make_cluster, twilio)
        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            # level 2 would come after 24 s: sooner means every level-1 notification failed
            await nats_bus.publish(
                visit.authorised(interval=5, level2_after_minutes=240, level3_after_minutes=240),
                visit.departed(arrive_in=timedelta(seconds=1), back_in=timedelta(hours=1)),
                visit.arrived())
            text = (await until(lambda: twilio.of("sms", BUDDY_PHONE), "a text to the buddy",
                                seconds=WAIT))[0]
            body = text.form["Body"]
            assert "missed a check-in" in body
            assert "Try each member of staff" in body
            assert "Example Street" not in body  # never the address in a text
            assert text.form["From"] == SENDER

            forged = httpx.post(text.form["StatusCallback"], data={"MessageStatus": "failed"},
                                headers={"X-Twilio-Signature": "bm90LXR3aWxpbw=="})
            assert forged.status_code == 403
            assert not twilio.of("voice")  # a forged receipt changes nothing
            assert twilio.status(text, MessageStatus="undelivered").status_code == 204
            call = (await until(lambda: twilio.of("voice", BUDDY_PHONE), "a call to the buddy",
                                seconds=WAIT))[0]
            assert "Press 1" in call.form["Twiml"]
            assert call.form["MachineDetection"] == "Enable"
            assert twilio.status(call, CallStatus="completed",
                                 AnsweredBy="machine_end_beep").status_code == 204  # voicemail

            senior = (await until(lambda: twilio.of("sms", "07700 900101"),
                                  "a text to the senior leader", seconds=WAIT))[0]
            elapsed = senior.at - text.at
            assert elapsed < 20, f"level 2 came {elapsed:.1f} s after level 1, not at once"
            events = await nats_bus.wait_for(
                lambda es: [e for e in of(es, EscalationRaised) if e.level == 2],
                visit_id=visit.visit_id)
            failed = of(events, NotificationFailed)
            assert {(f.channel, f.outcome) for f in failed} == {("sms", "failed"),
                                                                 ("voice", "voicemail")}

            link = re.search(r"(http://\S+/a/[A-Za-z0-9_-]+)", senior.form["Body"])
            assert link, senior.form["Body"]
            page = httpx.get(link.group(1))
            assert page.status_code == 200
            assert "I am dealing with it" in page.text  # opening it acknowledges nothing
            taken = httpx.post(link.group(1))
            assert taken.status_code == 200, taken.text
            assert "acknowledged by slt-0001" in taken.text
            assert httpx.post(link.group(1)).status_code == 410  # once
            acked = await nats_bus.wait_for(lambda es: of(es, EscalationAcknowledged),
                                            visit_id=visit.visit_id)
            assert of(acked, EscalationAcknowledged)[0].acknowledged_by == "slt-0001"
            assert twilio.refused == 0


async def test_a_keypress_on_a_duress_call_acknowledges_as_the_person_called(
        make_settings, make_cluster) -> None:
    with local_twilio() as twilio:
        settings, _ = start(make_settings, make_cluster, twilio)
        visit = Visit(sealer=sealer_for(settings))
        async with bus(settings) as nats_bus:
            await nats_bus.publish(*visit.duress_on_site("phrase"))
            call = (await until(lambda: twilio.of("voice", "07700 900102"),
                                "a call to the headteacher", seconds=WAIT))[0]
            assert twilio.status(call, CallStatus="completed", AnsweredBy="human"
                                 ).status_code == 204
            pressed = twilio.press(call, "1")
            assert pressed.status_code == 200
            assert "dealing with this escalation" in pressed.text
            events = await nats_bus.wait_for(lambda es: of(es, EscalationAcknowledged),
                                             visit_id=visit.visit_id)
        ack = of(events, EscalationAcknowledged)[0]
        assert (ack.acknowledged_by, str(ack.role)) == ("head-0001", "headteacher")
        delivered = of(events, NotificationDelivered)
        assert [(d.channel, d.outcome, d.recipient_id) for d in delivered] == [
            ("voice", "answered", "head-0001")]
