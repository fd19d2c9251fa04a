"""An acknowledge link is bound to one escalation and one person, works once and expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.escalation.domain import AckLink
from services.escalation.notify import sms_text
from shared.contracts.errors import Gone

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
META = {"trust_id": "t1", "school_urn": "123456", "correlation_id": str(uuid4())}


def link() -> AckLink:
    return AckLink("abcdefgh1234", uuid4(), "123456", "slt-0001", "slt",
                   NOW + timedelta(hours=2), META)


def test_a_link_works_once() -> None:
    issued = link()
    issued.use(NOW + timedelta(minutes=5), META)
    assert (issued.person_id, issued.role) == ("slt-0001", "slt")
    with pytest.raises(Gone, match="used already"):
        issued.use(NOW + timedelta(minutes=6), META)


def test_a_link_expires() -> None:
    with pytest.raises(Gone, match="expired"):
        link().use(NOW + timedelta(hours=2, seconds=1), META)


class Named:
    def school(self, urn: str) -> str:
        return {"123456": "Ordsall Primary"}[urn]

    def person(self, urn: str, staff_id: str) -> str:
        return {"staff-0001": "Sam Patel", "staff-0002": "Ana Wood"}[staff_id]


def test_the_text_says_what_a_buddy_needs_and_no_address() -> None:
    message = {"school_urn": "123456", "level": 1, "trigger": "check_in_missed",
               "on_visit": ["staff-0001", "staff-0002"], "ack_code": "abcdefgh1234"}
    text = sms_text(message, "https://doorstep.example.org", Named())
    assert text == ("Ordsall Primary: Sam Patel and Ana Wood missed a check-in. Try each "
                    "member of staff on the visit now. I'm dealing with it: "
                    "https://doorstep.example.org/a/abcdefgh1234")
    assert sms_text(message).startswith("School 123456: staff-0001 and staff-0002 missed")
    duress = sms_text({**message, "trigger": "duress", "level": 3})
    assert "raised DURESS" in duress
    assert "Call 999 now" in duress
