"""`doorstep audit`: export a trust's trail, then verify the file alone, with no database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from services.records.bootstrap import trail_cipher
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.cli.main import main
from shared.runtime.settings import DoorstepSettings
from tests.records.stories import TRUST, visit_story


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DoorstepSettings:
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOORSTEP_SCHEMA_SUFFIX", "_cli")
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    settings = DoorstepSettings()
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    for _ in range(5):
        for event in visit_story():
            trail.append(event)
    trail.engine.dispose()
    return settings


def test_an_exported_trail_verifies_on_its_own_with_no_database(
        stored: DoorstepSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported = tmp_path / "trail.ndjson"
    assert main(["audit", "verify"]) == 0
    assert main(["audit", "export", "--trust", TRUST, "--output", str(exported)]) == 0
    assert "50/50 entries" in capsys.readouterr().err  # progress on the terminal
    shutil.rmtree(stored.data_dir)  # no database, no key
    assert main(["audit", "verify", "--file", str(exported)]) == 0
    assert "intact, 50 entries" in capsys.readouterr().out


def test_a_line_taken_out_of_an_export_is_named(stored: DoorstepSettings, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    exported = tmp_path / "trail.ndjson"
    main(["audit", "export", "--trust", TRUST, "--output", str(exported)])
    lines = exported.read_text().splitlines()
    removed = json.loads(lines.pop(23))  # the header is line 0, so this is seq 23
    exported.write_text("\n".join(lines) + "\n")
    assert main(["audit", "verify", "--file", str(exported)]) == 1
    out = capsys.readouterr().out
    assert "NOT INTACT (deleted)" in out
    assert "seq 23" in out
    assert removed["seq"] == 23


def test_checkpoints_kept_outside_are_checked(stored: DoorstepSettings, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "kept.jsonl"
    kept.write_text(json.dumps({"trust_id": TRUST, "count": 20, "head_hash": "0" * 64}) + "\n")
    assert main(["audit", "verify", "--checkpoints", str(kept)]) == 1
    assert "NOT INTACT (checkpoint)" in capsys.readouterr().out


def test_an_html_chronology_of_a_household_can_be_printed(stored: DoorstepSettings,
                                                          tmp_path: Path) -> None:
    page = tmp_path / "household.html"
    assert main(["audit", "export", "--trust", TRUST, "--format", "html", "--subject",
                 "household:h-1", "--output", str(page)]) == 0
    text = page.read_text()
    assert text.count("<tr>") == 51  # the heading row and 50 events of the household's visits
    assert "VisitRequested" in text
