"""A person's word is their own: the steps of a visit that only its staff may take. Pure.

Arriving, checking in, finding no one home, leaving the property, signing back in and the
covert panic are each the visiting staff's own account of where they are and that they are
safe. The policies have the staff themselves give it (they phone the school from outside the
address, every twenty minutes, and as they leave; they sign back in). Nobody else may give it
for them: a buddy, the office or a senior leader who has heard from them, or is worried, acts
through the escalation as themselves (contact made, no contact), with their own event.

Duress by the agreed phrase is not among them: the phrase is said down the phone to the buddy
or reception (West Norfolk 2.2, Blue Coat 'Before the visit'), and the one who heard it reports
it, as themselves (DuressRaised carries who raised it and how).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from shared.contracts.errors import Forbidden


class Step(StrEnum):
    ARRIVAL = "arrival"
    CHECK_IN = "check_in"
    NO_ONE_HOME = "no_one_home"
    LEAVING = "leaving"
    RETURN = "return"
    PANIC = "panic"


@dataclass(frozen=True)
class OwnWord:
    rule: str
    what: str
    citation: str


def _cite(policy: str, line: int, section: str, quote: str) -> str:
    return f"{policy} line {line} ({section}): '{quote}'"


ST_LAURENCES_REPORTING_IN = _cite(
    "st-laurences.txt", 96, "Before the Visit",
    "staff undertaking home visits phoning the school to confirm they are outside a family's "
    "address and immediately after leaving the address at the end of the visit")

OWN_WORD: dict[Step, OwnWord] = {
    Step.ARRIVAL: OwnWord("ArrivalIsTheVisitingStaffsOwnWord", "record arrival at the address",
                          ST_LAURENCES_REPORTING_IN),
    Step.CHECK_IN: OwnWord(
        "CheckInIsTheVisitingStaffsOwnWord", "check in",
        _cite("ordsall-primary.txt", 132, "4. Personal safety",
              "Staff will notify the school office every twenty minutes into a home visit to "
              "confirm there are no concerns")),
    Step.NO_ONE_HOME: OwnWord(
        "NoOneHomeIsTheVisitingStaffsOwnWord", "say no one is home",
        _cite("ordsall-primary.txt", 100, "3. Home visits",
              "If the pupil's parents are not present at the arranged time, staff will wait no "
              "longer than 20 minutes")),
    Step.LEAVING: OwnWord(
        "LeavingIsTheVisitingStaffsOwnWord", "say the staff have left the property",
        _cite("st-laurences.txt", 117, "After the visit",
              "the member/s of staff must telephone the school/setting as soon as they have "
              "left the household to confirm that the home visit has finished")),
    Step.RETURN: OwnWord(
        "ReturnIsTheVisitingStaffsOwnWord", "sign the staff back in",
        _cite("blue-coat-ce-secondary.txt", 126, "After the visit",
              "Sign back in on inventory.")),
    Step.PANIC: OwnWord(
        "PanicIsTheVisitingStaffsOwnWord", "press the covert panic",
        _cite("west-norfolk-academies-trust.txt", 85, "2.2 During the home visit",
              "call your buddy using the code word to summon help")),
}


def own_word_refusal(step: Step, actor_id: str, visiting_staff: Collection[str]
                     ) -> Forbidden | None:
    """Forbidden, naming the rule, unless `actor_id` is one of the staff on the visit."""
    if actor_id in visiting_staff:
        return None
    word = OWN_WORD[step]
    on_it = ", ".join(visiting_staff) or "nobody yet"
    why = (f"only the staff on this visit ({on_it}) may {word.what}; {actor_id} is not one of "
           "them: anyone else acts as themselves, through the escalation (contact made, "
           "no contact)")
    return Forbidden(f"{word.rule}: {why}", details=[f"{word.rule}: {why} [{word.citation}]"])
