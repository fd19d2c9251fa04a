"""Staff check in by calling the school's Doorstep number from their mobile and keying their
PIN: the duress PIN raises duress silently and sounds the same; three wrong PINs end the call
and are recorded. Each member of staff sets their own PINs, kept only as salted hashes."""

from __future__ import annotations

import asyncio

import pytest

from services.visits.providers import KEY_PIN_AGAIN, SAID_CHECKED_IN
from shared.testing.wire import EventTap
from tests.escalation.twilio_double import LocalTwilio
from tests.visits.by_phone import MOBILE, STRANGER, WAIT, School, start
from tests.visits.stories import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
TWILIO = LocalTwilio()  # only its way of signing and posting: nothing is sent out here
PIN, DURESS_PIN = "2468", "135790"


def set_pins(school: School, who: str, role: str, owner: str = "staff-0001") -> int:
    with school.client("visits", who, role) as client:
        answer = client.put(f"/v1/schools/{URN}/staff/{owner}/check-in-pins",
                            json={"pin": PIN, "duress_pin": DURESS_PIN})
        return answer.status_code


def call_and_key(school: School, *keyed: str, sender: str = MOBILE) -> list[str]:
    """A call from `sender`, keying each PIN in turn; what Doorstep said after each step."""
    call_sid, answer = TWILIO.call_in(school.hook("twilio/voice"), sender)
    assert answer.status_code == 200, answer.text
    said = [answer.text]
    for digits in keyed:
        answer = TWILIO.key_in(said[-1], call_sid, sender, digits)
        assert answer.status_code == 200, answer.text
        said.append(answer.text)
    return said


async def test_a_call_with_the_pin_checks_in_and_the_duress_pin_raises_duress_silently(
        phone_settings, make_cluster) -> None:
    school = start(phone_settings, make_cluster)
    async with EventTap(school.settings) as tap:
        await school.put_on_site()
        assert set_pins(school, "office-0001", "office") == 403  # nobody else's to set
        assert set_pins(school, "staff-0001", "staff") == 204
        with school.client("visits", "staff-0001", "staff") as staff:
            same = staff.put(f"/v1/schools/{URN}/staff/staff-0001/check-in-pins",
                             json={"pin": PIN, "duress_pin": PIN})
        assert same.status_code == 422
        assert "differ" in same.text

        greeting, checked_in = await asyncio.to_thread(call_and_key, school, PIN)
        assert "<Gather" in greeting
        assert 'numDigits="8"' in greeting
        assert SAID_CHECKED_IN in checked_in
        assert "<Hangup/>" in checked_in
        [checked] = await tap.wait_for_type("CheckedIn", timeout=WAIT)
        assert checked.channel == "voice"  # type: ignore[attr-defined]
        assert checked.actor.id == "staff-0001"

        _, duress = await asyncio.to_thread(call_and_key, school, DURESS_PIN)
        assert duress == checked_in  # the same words, whoever is listening in the room
        [raised] = await tap.wait_for_type("DuressRaised", timeout=WAIT)
        assert (raised.how, raised.channel) == ("panic", "voice")  # type: ignore[attr-defined]
        await tap.wait_for(lambda seen: any(
            s.event.event_type() == "EscalationRaised" and s.event.level == 3  # type: ignore[attr-defined]
            for s in seen), WAIT, "duress at level 3")
        assert len(tap.of_type("CheckedIn")) == 1
    assert school.visit()["check_ins"] == 2  # the duress PIN shows as a check-in


async def test_three_wrong_pins_end_the_call_and_are_recorded_and_a_stranger_is_refused(
        phone_settings, make_cluster) -> None:
    school = start(phone_settings, make_cluster)
    async with EventTap(school.settings) as tap:
        await school.put_on_site()
        assert set_pins(school, "staff-0001", "staff") == 204

        said = await asyncio.to_thread(call_and_key, school, "0000", "1111", "2222")
        assert KEY_PIN_AGAIN in said[1]
        assert KEY_PIN_AGAIN in said[2]
        assert "<Hangup/>" in said[3]
        assert SAID_CHECKED_IN not in said[3]

        stranger = await asyncio.to_thread(call_and_key, school, sender=STRANGER)
        assert "<Gather" not in stranger[0]  # no PIN is asked of a number not on the register
        assert "<Hangup/>" in stranger[0]

        refused = await tap.wait_for_type("InboundCheckInRefused", count=2, timeout=WAIT)
        assert sorted((r.channel, r.reason) for r in refused) == [  # type: ignore[attr-defined]
            ("voice", "unknown_number"), ("voice", "wrong_pin")]
        [wrong] = [r for r in refused if r.reason == "wrong_pin"]  # type: ignore[attr-defined]
        assert wrong.staff_id == "staff-0001"  # type: ignore[attr-defined]
        assert "3 wrong PINs" in wrong.detail  # type: ignore[attr-defined]
        assert not tap.of_type("CheckedIn")
    assert len(await school.refusals(2)) == 2  # in the trail an auditor exports
