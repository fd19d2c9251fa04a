"""Retention: a household's records are shredded when the school's period after its last visit
passes; child-protection records are held; the trail still verifies; a repeat does nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.records import retention
from services.records.application import RecordsApplication
from services.records.domain.retention import CHILD_PROTECTION_HELD
from services.records.settings import RecordsSettings
from services.records.trail import Selection
from shared.cli.main import main
from shared.contracts import Actor, Role
from shared.contracts import records as contract
from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import DataSubject
from shared.storage.sealing import SHREDDED
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.records.stories import SCHOOL, TRUST, base, visit_story


def records_app(settings: DoorstepSettings, make_trail: Any) -> RecordsApplication:
    own = RecordsSettings(retention_years=6)
    return RecordsApplication(store_env(settings, "records"), trail=make_trail(settings),
                              sealer=sealer_for(settings), settings=own)


def stored(app: RecordsApplication, settings: DoorstepSettings) -> None:
    """Two households visited on 24 November 2026; a concern was raised on the second visit."""
    sealer = sealer_for(settings)
    app.record_many(visit_story(household="h-plain", sealer=sealer))
    second = visit_story(household="h-cp", sealer=sealer)
    app.record_many(second)
    first = second[0]
    assert first.visit_id is not None
    app.record(contract.SafeguardingConcernRaised(
        **base(first.visit_id, first.correlation_id, 130), concern_id="c-1", pupil_ids=["p-1"],
        description=sealer.seal(DataSubject(TRUST, "household", "h-cp"), "a bruise"),
        raised_by="s1"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest) -> DoorstepSettings:
    name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    value: DoorstepSettings = request.getfixturevalue(name)
    return value


def address_of(app: RecordsApplication, household: str) -> str:
    entries = app.history(Selection(trust_id=TRUST, ref=f"household:{household}"))
    departed = [e for e in entries if e["type"] == "Departed"]
    return str(departed[0]["payload"]["address"])


def test_a_household_past_its_date_is_shredded_and_a_child_protection_record_is_held(
        settings: DoorstepSettings, make_trail: Any) -> None:
    app = records_app(settings, make_trail)
    stored(app, settings)
    found = {r.record.household_id: r for r in retention.retentions(app.trail, app.settings)}
    assert found["h-plain"].keep_until == date(2032, 11, 24)  # six years after the last visit
    assert found["h-cp"].held == CHILD_PROTECTION_HELD
    assert found["h-cp"].keep_until is None
    assert retention.run(app, date(2032, 11, 24)) == []  # not yet past

    seen: list[tuple[int, int]] = []
    done = retention.run(app, date(2032, 11, 25), progress=lambda d, t: seen.append((d, t)))
    assert [r.record.household_id for r in done] == ["h-plain"]
    assert seen == [(1, 1)]
    assert address_of(app, "h-plain") == SHREDDED
    assert address_of(app, "h-cp") == "1 Acacia Avenue"
    assert app.trail.verify(TRUST).intact
    shredded = [e for e in app.recorder.select_notifications(start=1, limit=1000)
                if e.topic.endswith("Shredding.Shredded")]
    assert len(shredded) == 1  # the shredding is an event of its own
    assert retention.run(app, date(2040, 1, 1)) == []  # done once; the held one stays held


def test_an_erasure_records_who_and_why_and_cannot_be_repeated(
        settings: DoorstepSettings, make_trail: Any) -> None:
    app = records_app(settings, make_trail)
    stored(app, settings)
    dsl = Actor(id="dsl-1", role=Role.DSL)
    subject = DataSubject(TRUST, "household", "h-cp")
    shredding = app.shred(subject, "erasure", "ICO request 2026-114 upheld", dsl, SCHOOL)
    assert shredding.basis == "erasure"
    assert shredding.key_ids
    assert address_of(app, "h-cp") == SHREDDED
    with pytest.raises(Exception, match="already shredded"):
        app.shred(subject, "erasure", "again", dsl, SCHOOL)
    keys = app.sealer.store.records(subject)
    assert keys
    assert all(k.destroyed_at for k in keys)


def test_the_cli_lists_what_falls_due_and_runs_it(
        sqlite_settings: DoorstepSettings, make_trail: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    app = records_app(sqlite_settings, make_trail)
    stored(app, sqlite_settings)
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(sqlite_settings.data_dir))
    monkeypatch.setenv("DOORSTEP_SCHEMA_SUFFIX", sqlite_settings.schema_suffix)
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    assert main(["retention", "due", "--on", "2033-01-01"]) == 0
    listed = capsys.readouterr().out
    assert "household:h-plain" in listed
    assert "DUE since 2032-11-24" in listed
    assert "household:h-cp" in listed
    assert "held: child-protection record" in listed
    assert main(["retention", "run", "--on", "2033-01-01"]) == 0
    out = capsys.readouterr()
    assert "shredded 1/1 households due" in out.err
    assert "shredded 1 households" in out.out
    assert address_of(app, "h-plain") == SHREDDED
