"""A policy's change through the pages (issue 24 must-shows 1 and 5), in real Chromium with
axe-core: the trust page flags Ordsall's review as overdue (its text: "Next review: November
2026"); the DSL sees it on the school's policy page, uploads a changed pack (senior leaders may
authorise) with its policy text, sees which of the school's decisions of the last 90 days it
would have changed, and publishes it; the next decision cites the new version while the old ones
still cite theirs. Screenshots: docs/screenshots/policy-*.png."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from services.records.inspection import verify_pack
from shared.cli.seed import NAMES, PEOPLE
from shared.runtime.launcher import Cluster
from shared.runtime.settings import DoorstepSettings
from shared.testing.http import client_for
from shared.testing.polling import until
from tests.authorisation.conftest import next_weekday
from tests.authorisation.ordsall_change import slt_pack, slt_policy_text
from tests.visits.stories import visit_request
from tests.web.browser import Accessibility, chromium, screenshot, sign_in
from tests.web.test_pages import URN, pytestmark, start, until_text  # noqa: F401 - the marks

LONDON = ZoneInfo("Europe/London")


def unzipped(data: bytes, name: str) -> bytes:
    """One file of an inspection pack's zip (empty if the answer is not a zip yet)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [found] = [n for n in archive.namelist() if n.endswith(f"/{name}")]
            return archive.read(found)
    except zipfile.BadZipFile:
        return b""
SCHOOL = {"urn": URN, "name": "Ordsall Primary", "policy_pack": "ordsall-primary",
          "opens": "08:30", "closes": "16:30", "contact_number": "0161 000 0000"}


async def a_visit(settings: DoorstepSettings, cluster: Cluster, household: str) -> str:
    """Asked for by two staff for 10:00 on a school day, with its initial checklist recorded."""
    day = next_weekday()
    start_at = datetime.combine(day, time(10), LONDON)
    body = visit_request(["staff-0001", "staff-0002"], household_id=household,
                         planned_date=day.isoformat(), planned_start=start_at.isoformat(),
                         planned_end=start_at.replace(hour=11).isoformat())
    async with client_for(settings, cluster["visits"].url, user="staff-0001", role="staff",
                          schools=[URN]) as staff, \
            client_for(settings, cluster["authorisation"].url, user="dsl-0001", role="dsl",
                       schools=[URN]) as dsl:
        visit_id: str = (await staff.post(f"/v1/schools/{URN}/visits", json=body)
                         ).json()["visit_id"]
        case = f"/v1/schools/{URN}/visits/{visit_id}"
        await until(lambda: dsl.get(f"{case}/authorisation"), "the request reach authorisation",
                    ready=lambda answer: answer.status_code == 200)
        (await dsl.post(f"{case}/risk-assessments", json={"kind": "initial", "score": 3})
         ).raise_for_status()
    return visit_id


async def decided(settings: DoorstepSettings, cluster: Cluster, visit_id: str, user: str,
                  role: str) -> int:
    async with client_for(settings, cluster["authorisation"].url, user=user, role=role,
                          schools=[URN]) as leader:
        answer = await leader.post(f"/v1/schools/{URN}/visits/{visit_id}/decision",
                                   json={"decision": "authorise"})
    return answer.status_code


async def test_a_dsl_changes_the_policy_after_seeing_what_it_would_change(
        make_settings, make_cluster, tmp_path) -> None:
    settings, cluster = start(make_settings, make_cluster, tmp_path, minute="60")
    async with client_for(settings, cluster["authorisation"].url, user="it-0001",
                          role="trust_it", schools=[]) as it:
        (await it.post("/v1/schools", json=SCHOOL)).raise_for_status()
        for person, roles in PEOPLE.items():  # the register names the staff
            name, job, mobile = NAMES[person]
            (await it.put(f"/v1/schools/{URN}/staff/{person}", json={
                "roles": roles, "name": name, "job_title": job, "mobile": mobile})
             ).raise_for_status()
    refused = await a_visit(settings, cluster, "hh-policy-1")
    assert await decided(settings, cluster, refused, "slt-0001", "slt") == 409  # not under v1
    earlier = await a_visit(settings, cluster, "hh-policy-2")
    assert await decided(settings, cluster, earlier, "dsl-0001", "dsl") == 200

    pack, text = tmp_path / "ordsall-primary.yaml", tmp_path / "ordsall-primary.txt"
    pack.write_text(slt_pack())
    text.write_text(slt_policy_text())
    web, axe = cluster["web"].url, Accessibility()
    async with chromium() as browser:
        auditor = await sign_in(browser, web, "auditor-0001")
        await auditor.goto("/trust")
        ordsall = auditor.locator("table.reviews tr", has_text="Ordsall Primary")
        await expect(ordsall).to_contain_text("ordsall-primary v1 (2025-11)")
        await expect(ordsall).to_contain_text("2026-11-30")
        await expect(ordsall.locator(".review-overdue")).to_have_text("Review overdue")
        await axe.check(auditor)
        await screenshot(auditor, "policy-0-trust-reviews")

        head = await sign_in(browser, web, "head-0001")
        await head.goto(f"/schools/{URN}")
        await expect(head.locator(".notice")).to_contain_text(
            "Policy review overdue: the home-visit policy (ordsall-primary v1 (2025-11)) is to be "
            "reviewed by 2026-11-30")
        await axe.check(head)
        staff = await sign_in(browser, web, "staff-0001")
        await staff.goto(f"/schools/{URN}")
        await expect(staff.locator("h1")).to_contain_text("Today at Ordsall Primary")
        await expect(staff.locator(".notice")).to_have_count(0)  # the policy's owners are told

        # After a difficult visit, staff ask for a debrief; the DSL sees it and records it held.
        await staff.goto(f"/schools/{URN}/visits/{earlier}/feedback")
        await staff.fill("#feedback", "The door check did not ask about the dog")
        await staff.check("#difficult")
        await staff.check("#debrief_requested")
        await axe.check(staff)
        await staff.click("text=Send")
        await expect(staff.locator("main")).to_contain_text("The DSL and the headteacher are told")

        dsl = await sign_in(browser, web, "dsl-0001")
        await until_text(dsl, f"/schools/{URN}/safeguarding", "The door check did not ask")
        await expect(dsl.locator("main")).to_contain_text("Sam Okafor asked on")
        await axe.check(dsl)
        await dsl.click("text=Debrief held")

        async def waiting() -> str:
            await dsl.goto(f"/schools/{URN}/safeguarding")
            return await dsl.inner_text("main")

        await until(waiting, "the debrief off the list once held", seconds=30,
                    ready=lambda main: "The door check did not ask" not in main)
        await until_text(dsl, f"/schools/{URN}/policy", "(debrief held)")
        await expect(dsl.locator("main")).to_contain_text("ordsall-primary v1 (2025-11)")
        await expect(dsl.locator(".review-overdue")).to_have_text("Review overdue")
        await expect(dsl.locator("main")).to_contain_text(
            'a difficult visit: "The door check did not ask about the dog" (debrief held)')
        await axe.check(dsl)
        await screenshot(dsl, "policy-1-overdue")

        await dsl.click("text=Propose a changed policy")
        await dsl.set_input_files("#pack", str(pack))
        await dsl.set_input_files("#policy_text", str(text))
        await axe.check(dsl)
        await dsl.click("text=Check and show what it would change")
        what_if = dsl.locator("section.what-if")
        await expect(what_if).to_contain_text("2 decisions judged again under this version: "
                                              "1 would change")
        row = what_if.locator("tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("refused under ordsall-primary v1")
        await expect(row).to_contain_text("allowed")
        await expect(row).to_contain_text("no longer breaks AuthoriserHasAllowedRole")
        await expect(row.locator("a")).to_have_attribute(
            "href", f"/schools/{URN}/visits/{refused}")
        await axe.check(dsl)
        await screenshot(dsl, "policy-2-what-if")

        await dsl.click("text=Publish for Ordsall Primary")
        await expect(dsl.locator("main")).to_contain_text("ordsall-primary v2 (2026-12)")
        await expect(dsl.locator("p.review")).to_contain_text("Next review by 2027-11-30")
        await axe.check(dsl)
        await screenshot(dsl, "policy-3-published")

        after = await a_visit(settings, cluster, "hh-policy-3")
        assert await decided(settings, cluster, after, "slt-0001", "slt") == 200  # under v2
        slt = await sign_in(browser, web, "slt-0001")
        await slt.goto(f"/schools/{URN}/visits/{after}/decide")
        await expect(slt.locator(".decided")).to_contain_text(
            "Authorised by slt-0001 under ordsall-primary v2 (2026-12)")
        await axe.check(slt)
        await screenshot(slt, "policy-4-next-decision")
        await slt.goto(f"/schools/{URN}/visits/{earlier}/decide")
        await expect(slt.locator(".decided")).to_contain_text(
            "Authorised by dsl-0001 under ordsall-primary v1 (2025-11)")

        # The inspection pack for the term: both decisions, each with its version; verifies.
        term = {"from_date": (date.today() - timedelta(days=90)).isoformat(),
                "to_date": date.today().isoformat()}
        async with client_for(settings, cluster["records"].url, user="dsl-0001", role="dsl",
                              schools=[URN]) as records:
            await until(lambda: records.get(f"/v1/schools/{URN}/inspection-pack", params=term),
                        "records hear the decision under v2",
                        ready=lambda answer: b"ordsall-primary v2 (2026-12)" in unzipped(
                            answer.content, "decisions.ndjson"))
        await dsl.goto(f"/schools/{URN}/inspection-pack")
        await axe.check(dsl)
        await screenshot(dsl, "policy-5-inspection-pack")
        async with dsl.expect_download() as downloading:
            await dsl.click("text=Download the pack (zip)")
        archive = tmp_path / "pack.zip"
        await (await downloading.value).save_as(archive)
        decisions = unzipped(archive.read_bytes(), "decisions.ndjson").decode()
        assert "ordsall-primary v1 (2025-11)" in decisions
        assert "ordsall-primary v2 (2026-12)" in decisions
        with zipfile.ZipFile(archive) as pack:
            pack.extractall(tmp_path / "pack")
        [chain] = (tmp_path / "pack").glob("*/chain.ndjson")
        assert verify_pack(chain).intact
    assert axe.found == [], axe.found
