"""Trust IT keeps the school directory on its pages (issue 21): onboard a school, change it,
archive it; a wrong description is sent back with what to fix. axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.web.browser import Accessibility, chromium, sign_in
from tests.web.test_pages import start

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


async def test_trust_it_onboards_changes_and_archives_a_school(make_settings, make_cluster,
                                                               tmp_path) -> None:
    _, cluster = start(make_settings, make_cluster, tmp_path, minute="60")
    web, axe = cluster["web"].url, Accessibility()
    async with chromium() as browser:
        it = await sign_in(browser, web, "it-0001")
        await it.goto("/trust/schools")
        await expect(it.locator("tbody")).to_contain_text("No school has been onboarded yet")
        await it.fill("#name", "Ordsall Primary")
        await it.fill("#urn", "654321")
        await it.select_option("#policy_pack", "ordsall-primary")
        await it.click("text=Onboard the school")
        row = it.locator("tbody tr", has_text="654321")
        await expect(row).to_contain_text("Ordsall Primary")
        await expect(row).to_contain_text("ordsall-primary")
        await axe.check(it)

        await it.click("tbody >> text=Ordsall Primary")
        await expect(it.locator("h1")).to_have_text("Ordsall Primary")
        await expect(it.locator("#name")).to_have_value("Ordsall Primary")
        await expect(it.locator("#urn")).to_have_count(0)  # a URN does not change
        await it.fill("#opens", "16:00")
        await it.fill("#closes", "09:00")
        await it.click("text=Save the changes")
        await expect(it.locator("[role=alert]")).to_contain_text("must open before it closes")
        await expect(it.locator("#opens")).to_have_value("16:00")  # sent back as it was typed
        await axe.check(it)
        await it.fill("#name", "Ordsall Primary School")
        await it.fill("#opens", "08:45")
        await it.fill("#closes", "15:15")
        await it.click("text=Save the changes")
        row = it.locator("tbody tr", has_text="654321")
        await expect(row).to_contain_text("Ordsall Primary School")
        await expect(row).to_contain_text("08:45")

        await row.locator("summary").click()
        await row.get_by_label("Why Ordsall Primary School leaves the trust").fill(
            "joined another trust")
        await row.locator("button[type=submit]").click()
        row = it.locator("tbody tr", has_text="654321")
        await expect(row).to_contain_text("Archived: joined another trust")
        await expect(row.locator("a", has_text="Ordsall Primary School")).to_have_count(0)
        await axe.check(it)
    assert not axe.found, "\n".join(axe.found)
