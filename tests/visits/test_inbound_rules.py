"""The rules of checking in by text and call, alone: milliseconds, no servers."""

from __future__ import annotations

import copy
import json
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from services.visits.domain import Status, Visit
from services.visits.domain.inbound import (
    InboundMessage,
    Meaning,
    national,
    number_ending,
    reply_meaning,
    sender_of,
)
from services.visits.domain.pins import CheckInPins, Keyed, hashed, matches, pins_refusal
from services.visits.integration import translate
from shared.contracts import Actor, Role
from shared.contracts.errors import Forbidden, Invalid
from shared.contracts.meta import command_meta
from shared.contracts.visits import CheckedIn, DuressRaised, InboundCheckInRefused

META = command_meta(trust_id="dev-trust", school_urn="123456",
                    actor=Actor(id="staff-0001", role=Role.STAFF), correlation_id=uuid4(),
                    causation_id=None)
WORDS = ["pineapple", "the blue folder"]


@pytest.mark.parametrize("text", ["OK", "ok", " Ok. ", "okay!", "Safe", "yes", "1"])
def test_a_plain_ok_checks_in(text: str) -> None:
    assert reply_meaning(text, WORDS) is Meaning.CHECK_IN


@pytest.mark.parametrize("text", ["OK pineapple", "PINEAPPLE", "ok, I have the Blue  Folder",
                                  "the blue folder."])
def test_the_duress_word_or_phrase_anywhere_in_a_reply_raises_duress(text: str) -> None:
    assert reply_meaning(text, WORDS) is Meaning.DURESS


@pytest.mark.parametrize("text", ["help", "not ok", "can you call me", "", "blue"])
def test_anything_else_is_not_a_check_in(text: str) -> None:
    assert reply_meaning(text, WORDS) is Meaning.UNCLEAR


def test_a_word_inside_another_word_is_not_the_duress_word() -> None:
    assert reply_meaning("pineapples", ["pineapple"]) is Meaning.UNCLEAR


def test_numbers_match_however_they_are_written() -> None:
    assert national("+44 7700 900001") == national("07700 900001") == national("00447700900001")
    mobiles = {"staff-0001": "07700 900001", "staff-0002": "07700 900002"}
    assert sender_of("+447700900001", mobiles) == "staff-0001"
    assert sender_of("+447700900009", mobiles) is None
    assert sender_of("+447700900001", {**mobiles, "staff-0003": "+44 7700 900001"}) is None


def test_a_refusal_shows_only_the_last_digits_of_a_number() -> None:
    assert number_ending("+44 7700 900123") == "ending 123"
    assert "7700" not in number_ending("+44 7700 900123")


def test_pins_are_kept_as_salted_scrypt_hashes() -> None:
    one, two = hashed("2468", b"a" * 16), hashed("2468", b"b" * 16)
    assert one != two
    assert "2468" not in one
    assert one.startswith("scrypt$")
    assert matches("2468", one)
    assert not matches("2469", one)


def test_only_the_member_of_staff_sets_their_pins_and_they_differ() -> None:
    assert isinstance(pins_refusal("office-0001", "staff-0001", "2468", "1357"), Forbidden)
    assert isinstance(pins_refusal("staff-0001", "staff-0001", "2468", "2468"), Invalid)
    assert isinstance(pins_refusal("staff-0001", "staff-0001", "24", "1357"), Invalid)
    assert pins_refusal("staff-0001", "staff-0001", "2468", "1357") is None


def test_a_keyed_pin_is_the_pin_the_duress_pin_or_wrong() -> None:
    pins = CheckInPins("123456", "staff-0001", META)
    assert pins.keyed("2468") is Keyed.WRONG  # none set yet
    pins.set(hashed("2468", b"a" * 16), hashed("1357", b"b" * 16), META)
    assert [pins.keyed(d) for d in ("2468", "1357", "0000")] == [
        Keyed.PIN, Keyed.DURESS_PIN, Keyed.WRONG]


def on_site() -> Visit:
    visit = Visit({"household_id": "h1", "staff_ids": ["staff-0001"]}, META)
    visit.status = Status.ON_SITE
    visit.sign_out = {"staff": [{"staff_id": "staff-0001"}]}
    return visit


def test_a_check_in_by_text_is_the_same_event_with_its_channel() -> None:
    visit = on_site()
    visit.check_in(META, "sms")
    visit.raise_duress("staff-0001", "panic", META, "voice")
    checked, duress = [e for stored in visit.collect_events()[1:] for e in translate(stored)]
    assert isinstance(checked, CheckedIn)
    assert checked.channel == "sms"
    assert isinstance(duress, DuressRaised)
    assert (duress.how, duress.channel) == ("panic", "voice")
    assert visit.check_ins_shown_to_staff == 2  # the duress PIN looks like a check-in


def test_a_check_in_stored_before_channels_existed_still_loads_and_came_from_the_page() -> None:
    app: Application[UUID] = Application()
    visit = on_site()
    before = copy.deepcopy(visit)
    visit.check_in(META, "sms")
    new = visit.collect_events()[-1]
    stored = app.mapper.to_stored_event(new)
    state = json.loads(stored.state)
    del state["channel"]  # as the store holds check-ins saved before channels
    old = app.mapper.to_domain_event(StoredEvent(stored.originator_id, stored.originator_version,
                                                 stored.topic, json.dumps(state).encode()))
    assert not hasattr(old, "channel")
    loaded = old.mutate(before)
    assert loaded.check_ins == 1
    [published] = translate(old)
    assert isinstance(published, CheckedIn)
    assert published.channel == "app"


def test_a_refused_message_is_published_with_the_number_masked() -> None:
    message = InboundMessage("twilio", "SM123", "sms", META)
    message.refuse("unknown_number", "not on the register", "ending 123", None, None, None, META)
    published = [e for stored in message.collect_events() for e in translate(stored)]
    [refused] = published
    assert isinstance(refused, InboundCheckInRefused)
    assert (refused.reason, refused.provider, refused.message_id, refused.number_ending) == (
        "unknown_number", "twilio", "SM123", "ending 123")
    assert InboundMessage.create_id("twilio", "SM123") == message.id
