"""The trust's safety alarm in the pages' store: once per outage, across a restart of the pages
and a second replica; each outage kept for auditors. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.web.application import WebApplication
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env

TRUST = "west-norfolk"
SINCE = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request, tmp_path: Path) -> dict[str, str]:
    settings = DoorstepSettings(data_dir=tmp_path / "data", schema_suffix=f"_w{id(tmp_path)}")
    if request.param == "postgres":
        settings = DoorstepSettings(data_dir=tmp_path / "data", schema_suffix=f"_w{id(tmp_path)}",
                                    database_url=request.getfixturevalue("database_url"))
    return store_env(settings, "web")


def test_one_outage_is_raised_once_and_its_leads_told_once_across_a_restart(env) -> None:
    pages = WebApplication(env)
    assert pages.raise_alarm(TRUST, "silent", SINCE, ["123456"], [])
    assert not pages.raise_alarm(TRUST, "silent", SINCE, ["123456"], [])
    pages.lead_told(TRUST, "Sam Okafor by sms", True, "notify 1")
    pages.close()

    restarted = WebApplication(env)
    alarm = restarted.alarm(TRUST)
    assert alarm is not None
    assert alarm.is_raised
    assert not alarm.needs_telling("Sam Okafor by sms"), "a restart must not text her again"
    assert alarm.needs_telling("Sam Okafor by email")
    assert not restarted.raise_alarm(TRUST, "silent", SINCE, ["123456"], [])
    second = WebApplication(env)  # another replica of the pages, holding an older copy
    stale = second.alarm(TRUST)
    assert restarted.clear(TRUST, SINCE + timedelta(minutes=3))
    assert stale is not None
    assert stale.clear(SINCE + timedelta(minutes=4))
    assert not second._saved(stale), "the store refuses the second writer"

    assert restarted.raise_alarm(TRUST, "provider_failing", SINCE + timedelta(hours=1),
                                 ["123456"], ["notify"]), "a new outage is a new alarm"
    outages = restarted.outages(TRUST)
    assert [(o["outage"], o["loop"]) for o in outages] == [(1, "silent"),
                                                           (2, "provider_failing")]
    assert outages[0]["cleared_at"] == (SINCE + timedelta(minutes=3)).isoformat()
    assert outages[0]["told"] == ["Sam Okafor by sms"]
    assert "cleared_at" not in outages[1]
    for app in (restarted, second):
        app.close()
