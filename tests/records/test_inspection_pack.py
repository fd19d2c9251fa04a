"""The inspection pack (issue 24 must-show 4): a school's record for a term as NDJSON, a printable
summary and the chain proof; it verifies offline with no database, and an edited byte in it
fails verification naming the entry."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from services.records.bootstrap import create_app, trail_cipher
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.cli.main import main
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.sealing import sealer_for
from tests.records.stories import SCHOOL, visit_story
from tests.records.test_trail_skeleton import publish_all, wait_for_history

NEIGHBOUR = "654321"  # another school of the same trust, whose visits share the trust's chain
TERM = ["--from", "2026-09-01", "--to", "2026-12-18"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stored(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> DoorstepSettings:
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOORSTEP_SCHEMA_SUFFIX", f"_pack{uuid4().hex[:8]}")
    if request.param == "postgres":
        monkeypatch.setenv("DOORSTEP_DATABASE_URL", request.getfixturevalue("database_url"))
    else:
        monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    settings = DoorstepSettings()
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    for school in (SCHOOL, NEIGHBOUR, SCHOOL, NEIGHBOUR, SCHOOL):
        for event in visit_story(school=school):
            trail.append(event)
    trail.engine.dispose()
    return settings


def packed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "ofsted-autumn-2026"
    assert main(["inspection-pack", "--school", SCHOOL, *TERM, str(folder)]) == 0
    assert ("21 visits, 3 assessments, 3 decisions, 3 escalations, 0 incidents, 0 concerns"
            in capsys.readouterr().out)
    return folder


def test_the_pack_holds_the_schools_term_and_verifies_with_no_database(
        stored: DoorstepSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = packed(tmp_path, capsys)
    assert sorted(p.name for p in folder.iterdir()) == [
        "assessments.ndjson", "chain.ndjson", "concerns.ndjson", "decisions.ndjson",
        "escalations.ndjson", "incidents.ndjson", "summary.html", "visits.ndjson"]
    visits = [json.loads(line) for line in (folder / "visits.ndjson").read_text().splitlines()]
    assert len(visits) == 3 * 7  # requested, departed, arrived, two check-ins, left, returned
    assert {v["body"]["event"]["school_urn"] for v in visits} == {SCHOOL}
    decisions = (folder / "decisions.ndjson").read_text().splitlines()
    assert [json.loads(d)["event_type"] for d in decisions] == ["VisitAuthorised"] * 3
    assert len((folder / "escalations.ndjson").read_text().splitlines()) == 3  # CheckInMissed
    chain = [json.loads(line) for line in (folder / "chain.ndjson").read_text().splitlines()]
    links = chain[1:]
    assert [link["seq"] for link in links] == list(range(1, 51))  # the first to the last of ours
    withheld = [link for link in links if "body" not in link]
    assert len(withheld) == 20  # the neighbour's two visits: their place, never their content
    assert all(set(link) == {"seq", "prev_hash", "hash"} for link in withheld)
    summary = (folder / "summary.html").read_text()
    assert "Inspection pack" in summary
    assert "Decisions (with the policy pack version and the rules cited): 3" in summary
    with zipfile.ZipFile(folder.with_suffix(".zip")) as archive:
        assert f"{folder.name}/chain.ndjson" in archive.namelist()

    shutil.rmtree(stored.data_dir)  # no store, no key: the file alone
    assert main(["audit", "verify", "--file", str(folder / "chain.ndjson")]) == 0
    out = capsys.readouterr().out
    assert "intact, 50 entries" in out
    assert f"school {SCHOOL}" in out
    assert "30 entries whole, 20 of the trust's other schools as links only" in out


def test_an_edited_byte_in_the_pack_fails_verification_naming_the_entry(
        stored: DoorstepSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = packed(tmp_path, capsys)
    chain = folder / "chain.ndjson"
    original = chain.read_bytes()
    lines = original.decode().splitlines()
    assessed = next(i for i, line in enumerate(lines) if '"event_type": "RiskAssessed"' in line)
    entry = json.loads(lines[assessed])
    at = original.index(b'"score": 4', original.index(entry["event_id"].encode()))
    chain.write_bytes(original[:at + 9] + b"5" + original[at + 10:])  # one byte: 4 -> 5
    assert main(["audit", "verify", "--file", str(chain)]) == 1
    out = capsys.readouterr().out
    assert "NOT INTACT (edited)" in out
    assert f"entry at seq {entry['seq']} (event {entry['event_id']}) was edited" in out

    chain.write_bytes(original)
    decisions = folder / "decisions.ndjson"
    first = json.loads(decisions.read_text().splitlines()[0])
    decisions.write_text(decisions.read_text().replace('"dsl-1"', '"dsl-2"', 1))
    assert main(["audit", "verify", "--file", str(chain)]) == 1
    out = capsys.readouterr().out
    assert (f"decisions.ndjson line 1, entry at seq {first['seq']} (event {first['event_id']}), "
            "was edited") in out


def test_a_period_with_nothing_of_the_school_is_an_empty_pack_that_still_verifies(
        stored: DoorstepSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "summer"
    assert main(["inspection-pack", "--school", SCHOOL, "--from", "2026-04-01", "--to",
                 "2026-07-20", str(folder)]) == 0
    assert (folder / "visits.ndjson").read_text() == ""
    assert main(["audit", "verify", "--file", str(folder / "chain.ndjson")]) == 0
    assert main(["inspection-pack", "--school", SCHOOL, "--from", "2026-07-20", "--to",
                 "2026-04-01", str(folder)]) == 2


@pytest.mark.nats
async def test_the_records_service_zips_the_pack_for_a_dsl_with_names_opened_in_the_summary(
        make_settings: Any) -> None:
    settings: DoorstepSettings = make_settings()
    story = visit_story(sealer=sealer_for(settings))
    token = mint_token(settings, user="dsl-1", role="dsl", schools=[SCHOOL])
    staff = mint_token(settings, user="s1", role="staff", schools=[SCHOOL])
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
        await publish_all(settings, story)
        url = f"/v1/schools/{SCHOOL}/visits/{story[0].visit_id}/history"
        await asyncio.to_thread(wait_for_history, client, url, len(story))
        term = {"from_date": "2026-09-01", "to_date": "2026-12-18"}
        answer = client.get(f"/v1/schools/{SCHOOL}/inspection-pack", params=term)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
            name = f"inspection-{SCHOOL}-2026-09-01-to-2026-12-18"
            summary = archive.read(f"{name}/summary.html").decode()
            chain = archive.read(f"{name}/chain.ndjson").decode()
        assert "welfare check" not in chain  # sealed in the proof, as in the trail
        assert "Visits: 7" in summary
        assert "purpose: welfare check" in summary  # opened for the reader
        backwards = client.get(f"/v1/schools/{SCHOOL}/inspection-pack",
                               params={"from_date": "2026-12-18", "to_date": "2026-09-01"})
        assert backwards.status_code == 422
        assert "before from_date" in backwards.text
        assert client.get(f"/v1/schools/{SCHOOL}/inspection-pack", params=term,
                          headers={"Authorization": f"Bearer {staff}"}).status_code == 403
