"""The pages, in real headless Chromium against the five processes and a real nats-server: a
whole visit through the pages, the board live within 2 s, axe-core on every page."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from shared.runtime.launcher import EVERYTHING, Cluster
from shared.runtime.settings import DoorstepSettings
from shared.testing.polling import until
from tests.web.browser import Accessibility, chromium, screenshot, sign_in
from tests.web.people import import_people

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
URN = "123456"
LONDON = ZoneInfo("Europe/London")


def local(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


async def until_text(page: Page, url: str, text: str) -> None:
    """Reload `url` until it shows `text` (another service has to hear the event first)."""

    async def shown() -> str:
        await page.goto(url)
        return await page.inner_text("main")

    await until(shown, f"{url} show {text!r}", seconds=30, every=0.25, ready=lambda main: text in main)


def start(make_settings, make_cluster, tmp_path: Path, minute: str) -> tuple[DoorstepSettings,
                                                                             Cluster]:
    settings: DoorstepSettings = make_settings()
    env = {"DOORSTEP_ESCALATION_MINUTE_SECONDS": minute,
           "DOORSTEP_ESCALATION_GATEWAY": f"fake:{tmp_path / 'sms.jsonl'}"}
    return settings, make_cluster(settings, names=EVERYTHING, extra_env=env)


async def test_a_whole_visit_through_the_pages(make_settings, make_cluster, tmp_path) -> None:
    settings, cluster = start(make_settings, make_cluster, tmp_path, minute="1.0")
    import_people(settings, cluster["authorisation"].url, family="hh-web-1")
    web, axe = cluster["web"].url, Accessibility()
    async with chromium() as browser:
        front = await (await browser.new_context(base_url=web)).new_page()
        await front.goto("/sign-in")
        await axe.check(front)
        staff = await sign_in(browser, web, "staff-0001", phone=True)
        await axe.check(staff)
        await staff.click("text=Ask for a visit")
        now = datetime.now(LONDON)
        await staff.fill("#find", "jordan")  # the household follows from the pupil
        await staff.click("button:has-text('Find')")
        await staff.click("ul.found >> text=Jordan Quillfeather")
        await staff.fill("#purpose", "welfare check after three days' absence")
        await staff.fill("#planned_start", local(now))
        await staff.fill("#planned_end", local(now + timedelta(hours=2)))
        await staff.get_by_label("Zoë O'Brien").check()
        await axe.check(staff)
        await staff.click("text=Ask for authorisation")
        await expect(staff.locator("main")).to_contain_text("Requested")
        visit_url = staff.url

        dsl = await sign_in(browser, web, "dsl-0001")
        await until_text(dsl, f"/schools/{URN}/decisions", "hh-web-1")
        await axe.check(dsl)
        await dsl.click("text=Jordan Quillfeather's home")
        await dsl.click("text=Full assessment (Appendix 4)")
        await dsl.select_option("#likelihood_0", "2")
        await dsl.select_option("#consequence_0", "3")
        first = dsl.locator("[data-row]").first
        await expect(first.locator("[data-score]")).to_have_text("6")  # as it is filled in
        await expect(first.locator("[data-band]")).to_have_text("medium")
        await axe.check(dsl)
        await dsl.check("#violent_offences-no")  # the initial checklist, which a first visit needs
        await dsl.click("text=Record the checklist")
        await expect(dsl.locator("main")).to_contain_text("Initial: score")
        await dsl.click("text=Sign off")
        await expect(dsl.locator("main")).to_contain_text("signed off")
        await axe.check(dsl)
        await dsl.fill("#out_of_hours_reason", "the only time the family can be seen")
        await dsl.click("text=Record the decision")
        await expect(dsl.locator("h1")).to_have_text("Requests awaiting a decision")

        await until_text(staff, visit_url, "Sign out and go")
        await staff.fill("#mobile_staff-0001", "07700 900123")
        await staff.fill("#mobile_staff-0002", "07700 900124")
        await staff.fill("#address", "1 Example Road, Kings Lynn")
        await staff.fill("#expecting_to_see", "parent and pupil")
        await staff.fill("#buddy_phone", "01553 000000")
        await staff.fill("#duress_phrase", "the blue folder")
        await staff.fill("#expected_arrival", local(datetime.now(LONDON) + timedelta(minutes=10)))
        await axe.check(staff)
        await staff.click("text=Sign out and go")
        await expect(staff.locator("main")).to_contain_text("I have arrived")
        await axe.check(staff)
        await staff.click("text=I have arrived")
        button = staff.locator("button.huge")
        await expect(button).to_have_text("I'm OK")
        await staff.wait_for_function("document.readyState === 'complete'")
        await button.click()
        sent = staff.locator("[data-sent]")
        await expect(sent).to_contain_text("Check-in sent at")
        await axe.check(staff)
        await screenshot(staff, "phone-check-in")

        buddy = await sign_in(browser, web, "office-0001")
        await buddy.goto(f"/schools/{URN}/board")
        await expect(buddy.locator("#board")).to_contain_text("Sam Okafor")  # by name
        await buddy.wait_for_function("document.readyState === 'complete'")
        await asyncio.sleep(0.5)  # the live connection is open

        # The covert panic: hold "I'm OK". The phone shows exactly what a check-in shows.
        before = await sent.inner_text()
        box = await button.bounding_box()
        assert box is not None
        await staff.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await staff.mouse.down()
        await asyncio.sleep(2.5)
        await staff.mouse.up()
        pressed = time.monotonic()
        await expect(sent).to_contain_text("Check-in sent at")
        assert (await sent.inner_text()).split(" at ")[0] == before.split(" at ")[0]
        assert "duress" not in (await staff.inner_text("main")).lower()

        await expect(buddy.locator("#board")).to_contain_text("DURESS", timeout=2000)
        seen = time.monotonic() - pressed
        assert seen <= 2.0, f"the board showed the duress {seen:.2f} s after the panic"
        await axe.check(buddy)
        await screenshot(buddy, "buddy-board")
        await buddy.click("text=I'm on it")
        await expect(buddy.locator("#board")).to_contain_text("Acknowledged by Ann Lee")
        await buddy.click("#board button:has-text('Resolve')")
        await expect(buddy.locator("#board")).to_contain_text("None open")
        await axe.check(buddy)

        await staff.context.set_offline(True)
        await button.click()
        await expect(sent).to_contain_text("Check-in NOT sent")
        await staff.context.set_offline(False)

        auditor = await sign_in(browser, web, "auditor-0001")
        await expect(auditor.locator("h1")).to_have_text("Across the trust")
        await expect(auditor.locator("tbody").first).to_contain_text(URN)
        days, weeks = auditor.locator("table.bars").nth(0), auditor.locator("table.bars").nth(1)
        await expect(days.locator("caption")).to_have_text("Visits per day, last 7 days")
        await expect(days.locator("tbody tr").last).to_contain_text("1")  # today's visit
        await expect(weeks.locator("tbody tr").last).to_contain_text("1")  # this week's duress
        await axe.check(auditor)
        await screenshot(auditor, "trust-dashboard")
        chronology = visit_url.replace(web, "") + "/chronology"
        await until_text(auditor, chronology, "EscalationResolved")
        text = await auditor.inner_text("main")
        for kind in ("VisitRequested", "RiskAssessed", "VisitAuthorised", "Departed", "Arrived",
                     "CheckedIn", "DuressRaised", "EscalationRaised", "EscalationAcknowledged",
                     "EscalationResolved"):
            assert kind in text, kind
        assert "1 Example Road, Kings Lynn" in text  # opened for the auditor
        assert "Audit trail: intact" in text
        await axe.check(auditor)
    assert not axe.found, "\n".join(axe.found)
    assert len(axe.pages) >= 12


async def test_incidents_concerns_and_the_policy_through_the_pages(
        make_settings, make_cluster, tmp_path) -> None:
    from tests.visits.on_site import VisitsOnSite

    settings, cluster = start(make_settings, make_cluster, tmp_path, minute="60")
    web, axe = cluster["web"].url, Accessibility()
    on_site = VisitsOnSite(settings, {n: cluster[n].url for n in ("visits", "authorisation")})
    await on_site.put_on_site(1)
    visit = f"/schools/{URN}/visits/{on_site.visit_ids[0]}"
    async with chromium() as browser:
        staff = await sign_in(browser, web, "staff-0001", phone=True)
        await staff.goto(visit)
        await staff.click("text=Report an incident")
        await staff.fill("#kind", "verbal aggression")
        await staff.fill("#description", "a parent shouted at the door")
        await axe.check(staff)
        await staff.click("text=Send the report")
        await expect(staff.locator("h1")).to_contain_text("Visit to household")
        await staff.click("text=Raise a safeguarding concern")
        await staff.fill("#pupil_ids", "upn-A123")
        await staff.fill("#description", "the pupil said they are afraid to go home")
        await staff.check("#immediate_risk")
        await axe.check(staff)
        await staff.click("text=Tell the DSL")
        await expect(staff.locator("[role=alert]")).to_contain_text("call the police on 999")
        await axe.check(staff)

        dsl = await sign_in(browser, web, "dsl-0001")
        await until_text(dsl, f"/schools/{URN}/safeguarding", "Share by")
        await until_text(dsl, f"/schools/{URN}/safeguarding", "a child at immediate risk")
        await axe.check(dsl)
        await dsl.click("text=Shared with the headteacher")
        await until_text(dsl, f"/schools/{URN}/safeguarding", "Nothing to share.")
        await dsl.click("text=I have it")
        await until_text(dsl, f"/schools/{URN}/safeguarding", "None waiting.")
        await dsl.goto(f"/schools/{URN}/policy")
        await expect(dsl.locator("main")).to_contain_text("AuthoriserHasAllowedRole")
        await expect(dsl.locator("main")).to_contain_text("must be authorised by the DSL")
        await axe.check(dsl)
        await dsl.goto(f"/schools/{URN}/visits/not-a-visit")  # a problem page is a page too
        await axe.check(dsl)
    assert not axe.found, "\n".join(axe.found)


async def test_only_the_staff_on_a_visit_see_its_check_in(make_settings, make_cluster,
                                                          tmp_path) -> None:
    """A person's word is their own (issue 21): the office and the headteacher see a visit out
    with its staff, and no "I'm OK", no covert panic, no arrival, leaving or return."""
    from tests.visits.on_site import VisitsOnSite

    settings, cluster = start(make_settings, make_cluster, tmp_path, minute="60")
    web, axe = cluster["web"].url, Accessibility()
    on_site = VisitsOnSite(settings, {n: cluster[n].url for n in ("visits", "authorisation")})
    await on_site.put_on_site(1)
    visit = f"/schools/{URN}/visits/{on_site.visit_ids[0]}"
    async with chromium() as browser:
        for person in ("office-0001", "head-0001"):
            watcher = await sign_in(browser, web, person)
            await watcher.goto(visit)
            main = watcher.locator("main")
            await expect(main).to_contain_text("On site")
            await expect(watcher.locator("button.huge")).to_have_count(0)
            assert "I'm OK" not in await main.inner_text()
            for step in ("check-ins", "arrival", "no-one-home", "leaving", "return"):
                await expect(watcher.locator(f"form[action$='/{step}']")).to_have_count(0)
            await expect(main).to_contain_text("Out with staff-0001 and staff-0002")
            await expect(main).to_contain_text("that is their own word")
            await expect(watcher.locator("main a[href$='/board']")).to_have_count(1)
            await axe.check(watcher)

        staff = await sign_in(browser, web, "staff-0001", phone=True)
        await staff.goto(visit)
        await expect(staff.locator("button.huge")).to_have_text("I'm OK")
        await expect(staff.locator("form[action$='/leaving']")).to_have_count(1)
    assert not axe.found, "\n".join(axe.found)
