"""A person's word is their own (issue 21): only the staff on a visit check in, arrive, say no
one is home, leave, sign back in or press the covert panic for it. The office, the headteacher
or a colleague not on the visit get 403 naming the rule, and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from services.visits.domain import Visit
from services.visits.domain.own_word import OWN_WORD, Step
from shared.contracts import Actor, Role
from shared.contracts.errors import Forbidden
from shared.contracts.meta import Meta, command_meta
from shared.testing.http import client_for
from tests.visits.on_site import STAFF, VisitsOnSite
from tests.visits.stories import URN
from tests.visits.test_visit_story import SIGN_OUT, authorised_visit, facts

OUTSIDERS = [("office-0001", Role.OFFICE), ("head-0001", Role.HEADTEACHER),
             ("staff-0003", Role.STAFF)]


def meta_of(user: str, role: Role) -> Meta:
    return command_meta(trust_id="dev-trust", school_urn=URN, actor=Actor(id=user, role=role),
                        correlation_id=uuid4(), causation_id=None)


def on_site() -> Visit:
    visit = authorised_visit()
    visit.depart(SIGN_OUT, facts(), meta_of("s1", Role.STAFF))
    visit.arrive(True, None, meta_of("s1", Role.STAFF))
    visit.collect_events()
    return visit


STEPS: list[tuple[Step, Callable[[Visit, Meta], None]]] = [
    (Step.CHECK_IN, lambda v, m: v.check_in(m)),
    (Step.NO_ONE_HOME, lambda v, m: v.nobody_home(20, m)),
    (Step.LEAVING, lambda v, m: v.leave("2026-11-24T15:30:00+00:00", m)),
    (Step.RETURN, lambda v, m: v.return_(False, m)),
    (Step.PANIC, lambda v, m: v.raise_duress(m["actor_id"], "panic", m)),
]


@pytest.mark.parametrize(("user", "role"), OUTSIDERS)
@pytest.mark.parametrize(("step", "take"), STEPS)
def test_only_the_visiting_staff_give_their_own_word(user: str, role: Role, step: Step,
                                                     take: Callable[[Visit, Meta], None]) -> None:
    visit = on_site()
    version = visit.version
    with pytest.raises(Forbidden) as refused:
        take(visit, meta_of(user, role))
    rule = OWN_WORD[step].rule
    assert refused.value.message.startswith(f"{rule}: only the staff on this visit (s1, s2)")
    assert refused.value.details[0].endswith(f"[{OWN_WORD[step].citation}]")
    assert (visit.version, visit.collect_events()) == (version, [])
    assert (visit.check_ins, visit.duress, str(visit.status)) == (0, False, "on_site")


def test_arrival_is_the_visiting_staffs_own_word_too() -> None:
    visit = authorised_visit()
    visit.depart(SIGN_OUT, facts(), meta_of("s1", Role.STAFF))
    with pytest.raises(Forbidden, match=r"^ArrivalIsTheVisitingStaffsOwnWord"):
        visit.arrive(True, None, meta_of("office-0001", Role.OFFICE))
    visit.arrive(True, None, meta_of("s2", Role.STAFF))


def test_each_of_the_visiting_staff_may_check_in() -> None:
    visit = on_site()
    visit.check_in(meta_of("s1", Role.STAFF))
    visit.check_in(meta_of("s2", Role.DSL))  # a DSL on the visit is one of its staff
    assert visit.check_ins == 2


def test_the_phrase_is_reported_by_whoever_heard_it_as_themselves() -> None:
    visit = on_site()
    visit.raise_duress("office-0001", "phrase", meta_of("office-0001", Role.OFFICE))
    [raised] = visit.collect_events()
    assert type(raised).__name__ == "DuressRaised"
    assert raised.meta["actor_id"] == raised.raised_by == "office-0001"  # type: ignore[attr-defined]


async def test_the_office_the_head_and_a_colleague_cannot_check_in_for_the_staff(
        make_settings, make_cluster) -> None:
    settings = make_settings()
    cluster = make_cluster(settings, names=("visits", "authorisation"))
    site = VisitsOnSite(settings, {name: p.url for name, p in cluster.processes.items()})
    await site.put_on_site(1)
    base = site.base(site.visit_ids[0])
    visits = cluster["visits"].url

    async with site.staff_client() as staff:
        before = (await staff.get(base)).json()
        assert before["visiting_staff"] == STAFF
        for user, role in OUTSIDERS:
            async with client_for(settings, visits, user=user, role=role,
                                  schools=[URN]) as outsider:
                refused = await outsider.post(f"{base}/check-ins", json={})
                assert refused.status_code == 403, (user, refused.text)
                said: dict[str, Any] = refused.json()
                assert said["error"] == "forbidden"
                assert said["detail"].startswith("CheckInIsTheVisitingStaffsOwnWord: only the "
                                                 "staff on this visit (staff-0001, staff-0002)")
                assert user in said["detail"]
                assert "ordsall-primary.txt line 132" in said["details"][0]
                for step, body, rule in [
                        ("check-ins", {"duress": True}, "PanicIsTheVisitingStaffsOwnWord"),
                        ("duress", {"how": "panic"}, "PanicIsTheVisitingStaffsOwnWord"),
                        ("arrival", {}, "ArrivalIsTheVisitingStaffsOwnWord"),
                        ("no-one-home", None, "NoOneHomeIsTheVisitingStaffsOwnWord"),
                        ("leaving", {"expected_return": before["expected_return"]},
                         "LeavingIsTheVisitingStaffsOwnWord"),
                        ("return", {}, "ReturnIsTheVisitingStaffsOwnWord")]:
                    answer = await outsider.post(f"{base}/{step}", json=body)
                    assert answer.status_code == 403, (user, step, answer.text)
                    assert answer.json()["detail"].startswith(rule)
        after = (await staff.get(base)).json()
        assert (after["version"], after["check_ins"], after["status"]) == (
            before["version"], 0, "on_site")  # nothing stored

        checked = await staff.post(f"{base}/check-ins", json={})
        assert checked.status_code == 200, checked.text
        assert checked.json()["check_ins"] == 1
    async with client_for(settings, visits, user="staff-0002", role="staff",
                          schools=[URN]) as partner:
        assert (await partner.post(f"{base}/check-ins", json={})).json()["check_ins"] == 2
