"""In production the pages sign people in through the trust's identity provider (authorisation
code flow with PKCE, against a local provider that speaks it); the development sign-in is off."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from playwright.async_api import expect

from shared.runtime.launcher import EVERYTHING
from tests.identity.idp import running_idp
from tests.web.browser import Accessibility, chromium
from tests.web.test_pages import URN, pytestmark  # noqa: F401 - the same marks

CLAIMS = {"preferred_username": "jo.bloggs@ordsall.example", "roles": ["Doorstep.Buddy"],
          "groups": ["grp-ordsall-staff"]}


async def test_a_buddy_signs_in_with_the_trusts_account(make_settings, make_cluster,
                                                        tmp_path: Path) -> None:
    with running_idp() as idp:
        idp.publish(idp.new_key("RS256"))
        idp.signs_in = CLAIMS
        identity = tmp_path / "identity.yaml"
        identity.write_text(yaml.safe_dump({"providers": [{
            "trust": "t1", "issuer": idp.issuer, "audience": "api://doorstep",
            "jwks_url": f"{idp.url}/keys", "user_claim": "preferred_username",
            "roles_claim": "roles", "roles": {"Doorstep.Buddy": "buddy"},
            "schools_claim": "groups", "schools": {"grp-ordsall-staff": URN},
            "authorization_url": f"{idp.url}/authorize", "token_url": f"{idp.url}/token",
            "client_id": idp.client_id}]}))
        schools = tmp_path / "schools.yaml"  # production serves only the schools it knows
        schools.write_text(yaml.safe_dump({"trusts": {"t1": [{"urn": URN, "name": "Ordsall"}]}}))
        settings = make_settings(identity_file=identity, default_trust="t1", schools_file=schools,
                                 environment="production", jwt_secret="x" * 40,
                                 cipher_key="q" * 43 + "=")
        cluster = make_cluster(settings, names=EVERYTHING, extra_env={
            "DOORSTEP_WEB_SESSION_SECRET": "a-real-secret-for-this-test-0001",
            "DOORSTEP_WEB_OIDC_CLIENT_SECRETS": '{"t1": "s3cret-from-settings"}'})
        web = cluster["web"].url
        refused = httpx.post(f"{web}/sign-in", data={"person": "staff-0001", "csrf": "x"})
        assert refused.status_code == 404  # no development sign-in in production
        async with chromium() as browser:
            page = await (await browser.new_context(base_url=web)).new_page()
            await page.goto("/sign-in")
            await expect(page.locator("main")).not_to_contain_text("development sign-in")
            axe = Accessibility()
            await axe.check(page)
            await page.click("text=Sign in with your t1 account")
            await expect(page.locator("h1")).to_have_text("Out now from Ordsall")
            await expect(page.locator("header")).to_contain_text("jo.bloggs@ordsall.example")
            await axe.check(page)
            assert not axe.found, "\n".join(axe.found)
            replayed = await page.goto("/sign-in/callback?code=used-up&state=forged")
            assert replayed is not None
            assert replayed.status == 400  # a callback this browser did not start
