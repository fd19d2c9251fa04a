"""Headless Chromium (Debian's, driven by Playwright) and axe-core, for the page tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                "wcag22aa"]},
        "resultTypes": ["violations"]}
PHONE = {"width": 360, "height": 740}


def chromium_path() -> str:
    found = os.environ.get("DOORSTEP_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not found:
        message = ("no Chromium here: install Debian's (apt-get install chromium) or set "
                   "DOORSTEP_CHROMIUM; the page tests need a real browser")
        if os.environ.get("DOORSTEP_REQUIRE_SERVERS") == "1":
            pytest.fail(message + " (CI must run them)")
        pytest.skip(message)
    return found


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    path = chromium_path()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, headless=True,
                                                   args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


class Accessibility:
    """axe-core on every page a test visits: serious and critical violations are collected."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.found: list[str] = []
        self.pages: list[str] = []

    async def check(self, page: Page) -> None:
        results: Any = await self.axe.run(page, options=WCAG)
        self.pages.append(page.url)
        for violation in results.response["violations"]:
            if violation.get("impact") in ("serious", "critical"):
                where = [node["target"] for node in violation["nodes"]][:3]
                self.found.append(f"{page.url}: {violation['id']} ({violation['impact']}): "
                                  f"{violation['help']} at {where}")


async def sign_in(browser: Browser, web: str, person: str, phone: bool = False) -> Page:
    context = await browser.new_context(viewport=PHONE if phone else {"width": 1200,
                                                                      "height": 900},
                                        base_url=web)
    page = await context.new_page()
    await page.goto("/sign-in")
    await page.check(f"#p-{person}")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    return page


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
