"""Staff check in by text when the phone page cannot reach Doorstep: a reply "OK" from their
mobile checks in; the duress word raises duress and is answered exactly like "OK"; a forged
request, a stranger, a returned visit and a replayed request are each refused and recorded."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest

from shared.testing.polling import until
from shared.testing.wire import EventTap
from tests.escalation.notify_double import text_in
from tests.escalation.twilio_double import SENDER, LocalTwilio, local_twilio
from tests.visits.by_phone import (
    DURESS_WORD,
    MOBILE,
    PHRASE,
    STRANGER,
    WAIT,
    start,
)
from tests.visits.stories import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
TWILIO = LocalTwilio()  # only its way of signing and posting: nothing is sent out here


async def test_a_text_reply_ok_checks_in_within_two_seconds_and_the_board_restarts(
        phone_settings, make_cluster) -> None:
    school = start(phone_settings, make_cluster)
    async with EventTap(school.settings) as tap:
        visit_id = await school.put_on_site()
        before = await until(school.board_check_in_due, "the board's check-in countdown",
                             seconds=WAIT)
        await asyncio.sleep(1.5)  # so a restarted countdown cannot be mistaken for the first

        sent = time.monotonic()
        answer = await asyncio.to_thread(TWILIO.text_in, school.hook("twilio/sms"), MOBILE, "OK")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/xml")
        assert "checked in" in answer.text
        [checked] = await tap.wait_for_type("CheckedIn", timeout=WAIT)
        heard = time.monotonic() - sent
        assert heard <= 2.0, f"the check-in was on NATS {heard:.2f} s after the text"
        assert str(checked.visit_id) == visit_id
        assert checked.channel == "sms"  # type: ignore[attr-defined]
        assert checked.actor.id == "staff-0001"

        after = await until(school.board_check_in_due, "the board's countdown to restart",
                            seconds=WAIT, ready=lambda due: due is not None and due > before)
        restarted = checked.occurred_at + timedelta(minutes=20)  # the sign-out's interval
        assert abs((after - restarted).total_seconds()) < 1, (after, restarted)
        trail = await until(school.history, "the check-in in the visit's trail", seconds=WAIT,
                            ready=lambda events: any(e["type"] == "CheckedIn" for e in events))
        [entry] = [e for e in trail if e["type"] == "CheckedIn"]
        assert entry["payload"]["channel"] == "sms", entry
        assert school.visit()["check_ins"] == 1


async def test_the_reminder_is_texted_to_the_staff_mobile_and_a_reply_ok_checks_in(
        phone_settings, make_cluster) -> None:
    with local_twilio() as twilio:
        # a policy minute of a second: the 20-minute check-in is due 20 s after arrival, and
        # the reminder comes 5 "minutes" (5 s) before it
        school = start(phone_settings, make_cluster, twilio=twilio, minute_seconds=1.0)
        async with EventTap(school.settings) as tap:
            await school.put_on_site()
            [reminder] = await until(lambda: twilio.of("sms", "07700 900001"),
                                     "the reminder texted to staff-0001's mobile", seconds=WAIT)
            assert reminder.form["From"] == SENDER
            assert "check-in is due at" in reminder.form["Body"]
            assert "Reply OK" in reminder.form["Body"]
            assert "Example Road" not in reminder.form["Body"]  # never the address in a text
            await until(lambda: twilio.of("sms", "07700 900002"),  # each of the visit's staff
                        "the reminder texted to staff-0002's mobile", seconds=WAIT)
            await tap.wait_for_type("CheckInDueSoon", timeout=WAIT)

            answer = await asyncio.to_thread(twilio.text_in, school.hook("twilio/sms"), MOBILE,
                                             "OK", to=reminder.form["From"])
            assert "checked in" in answer.text
            [checked] = await tap.wait_for_type("CheckedIn", timeout=WAIT)
            assert checked.channel == "sms"  # type: ignore[attr-defined]
            # a reminder is no escalation: nothing of it is published as a notification
            assert not tap.of_type("NotificationAttempted")


async def test_a_duress_word_raises_duress_to_the_top_and_is_answered_like_ok(
        phone_settings, make_cluster) -> None:
    school = start(phone_settings, make_cluster)
    async with EventTap(school.settings) as tap:
        await school.put_on_site()
        ok = await asyncio.to_thread(TWILIO.text_in, school.hook("twilio/sms"), MOBILE, "ok")
        phrase = await asyncio.to_thread(TWILIO.text_in, school.hook("twilio/sms"), MOBILE,
                                         f"OK, I've got {PHRASE}")
        word = await asyncio.to_thread(TWILIO.text_in, school.hook("twilio/sms"), MOBILE,
                                       DURESS_WORD.upper())
        assert ok.status_code == phrase.status_code == word.status_code == 200
        assert phrase.text == ok.text  # the phone in the room shows nothing different
        assert word.text == ok.text
        [first, _second] = await tap.wait_for_type("DuressRaised", count=2, timeout=WAIT)
        assert (first.how, first.channel, first.raised_by) == (  # type: ignore[attr-defined]
            "panic", "sms", "staff-0001")
        await tap.wait_for(lambda seen: any(
            s.event.event_type() == "EscalationRaised" and s.event.level == 3  # type: ignore[attr-defined]
            and s.event.trigger == "duress" for s in seen), WAIT, "duress at level 3")
        assert len(tap.of_type("CheckedIn")) == 1  # only the plain "ok" checked in
    shown = school.visit()
    assert shown["check_ins"] == 3  # as the covert panic: the staff's own count looks ordinary


async def test_forged_unknown_returned_and_replayed_texts_are_refused_and_recorded(
        phone_settings, make_cluster) -> None:
    school = start(phone_settings, make_cluster)
    hook = school.hook("twilio/sms")
    async with EventTap(school.settings) as tap:
        visit_id = await school.put_on_site()
        forged = await asyncio.to_thread(TWILIO.text_in, hook, MOBILE, "OK",
                                         token="not-the-auth-token")
        assert forged.status_code == 403
        assert "X-Twilio-Signature" in forged.json()["detail"]
        unsigned = await asyncio.to_thread(httpx.post, hook, data={"From": MOBILE, "Body": "OK"})
        assert unsigned.status_code == 403
        stranger = await asyncio.to_thread(TWILIO.text_in, hook, STRANGER, "OK")
        assert stranger.status_code == 200
        assert "<Message>" not in stranger.text  # nothing told to a stranger

        first = await asyncio.to_thread(TWILIO.text_in, hook, MOBILE, "OK", sid="SM" + "1" * 32)
        again = await asyncio.to_thread(TWILIO.text_in, hook, MOBILE, "OK", sid="SM" + "1" * 32)
        assert "checked in" in first.text
        assert "checked in" not in again.text
        await tap.wait_for_type("CheckedIn", timeout=WAIT)

        with school.client("visits", "staff-0001", "staff") as staff:
            staff.post(f"/v1/schools/{URN}/visits/{visit_id}/leaving", json={
                "expected_return": "2099-01-01T00:00:00+00:00"}).raise_for_status()
            staff.post(f"/v1/schools/{URN}/visits/{visit_id}/return",
                       json={}).raise_for_status()
        late = await asyncio.to_thread(TWILIO.text_in, hook, MOBILE, "OK")
        assert "NOT checked in" in late.text

        refused = await tap.wait_for_type("InboundCheckInRefused", count=5, timeout=WAIT)
        assert sorted(r.reason for r in refused) == [  # type: ignore[attr-defined]
            "forged", "forged", "no_visit_out", "replayed", "unknown_number"]
        assert len(tap.of_type("CheckedIn")) == 1
        for r in refused:
            assert "7700" not in r.number_ending  # type: ignore[attr-defined]
            assert (r.number or "").startswith("sealed:") or r.number is None  # type: ignore[attr-defined]
    trail = await school.refusals(5)
    assert len(trail) == 5  # an auditor sees each in the trust's trail
    assert school.visit()["check_ins"] == 1


async def test_a_text_through_gov_uk_notify_checks_in_and_a_wrong_token_is_refused(
        phone_settings, make_cluster) -> None:
    school = start(phone_settings, make_cluster, provider="notify")
    hook = school.hook("notify/sms")
    async with EventTap(school.settings) as tap:
        await school.put_on_site()
        wrong = await asyncio.to_thread(text_in, hook, MOBILE, "OK", token="guessed")
        assert wrong.status_code == 403
        taken = await asyncio.to_thread(text_in, hook, "07700 900001", "OK",
                                        notification_id="notify-1")
        assert taken.status_code == 204
        replayed = await asyncio.to_thread(text_in, hook, "07700 900001", "OK",
                                           notification_id="notify-1")
        assert replayed.status_code == 204
        [checked] = await tap.wait_for_type("CheckedIn", timeout=WAIT)
        assert checked.channel == "sms"  # type: ignore[attr-defined]
        refused = await tap.wait_for_type("InboundCheckInRefused", count=2, timeout=WAIT)
        assert sorted((r.provider, r.reason) for r in refused) == [  # type: ignore[attr-defined]
            ("notify", "forged"), ("notify", "replayed")]
        twilio = await asyncio.to_thread(TWILIO.text_in, school.hook("twilio/sms"), MOBILE, "OK")
        assert "checked in" not in twilio.text  # this school takes texts through Notify only
        await tap.wait_for_type("InboundCheckInRefused", count=3, timeout=WAIT)
        assert len(tap.of_type("CheckedIn")) == 1
