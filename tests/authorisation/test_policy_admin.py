"""Trust IT assigns and checks policy packs: a bad file or override is refused, nothing applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.authorisation.packs import PACKS_DIR
from shared.cli.main import main
from tests.authorisation.conftest import URN, Service

BAD_PACK = """name: careless
title: Careless school
source: ordsall-primary.txt
version: "1"
extends: trust-default
rules:
  CheckInInterval:
    minutes: forty
    citation: {policy: ordsall-primary.txt, section: "4", line: 132, quote: "every twenty minutes"}
"""


@pytest.mark.nats
def test_a_bad_override_is_refused_and_the_schools_policy_stays_as_it_was(
        service: Service) -> None:
    assert service.get(f"/v1/schools/{URN}/policy").json()["pack"] == "trust-default"
    assert service.put(f"/v1/schools/{URN}/policy", {"pack": "blue-coat-ce-secondary"}
                       ).status_code == 200

    refused = service.put(f"/v1/schools/{URN}/policy", {
        "pack": "ordsall-primary",
        "overrides": {"rules": {"CheckInInterval": {"minutes": 15}}}})
    assert refused.status_code == 422
    assert refused.json()["details"] == [
        f"overrides for school {URN}: rules.CheckInInterval.citation: an override replaces the "
        "whole rule and must cite where the school's policy says so"]
    unknown = service.put(f"/v1/schools/{URN}/policy", {"pack": "no-such-pack"})
    assert unknown.status_code == 422
    assert "no pack named 'no-such-pack'" in unknown.text
    by_staff = service.put(f"/v1/schools/{URN}/policy", {"pack": "ordsall-primary"},
                           role="staff", user="staff-1")
    assert by_staff.status_code == 403

    policy = service.get(f"/v1/schools/{URN}/policy").json()
    assert policy["pack"] == "blue-coat-ce-secondary"
    assert policy["effective"]["rules"]["NoEveningVisits"]["after"] == "18:00"


@pytest.mark.nats
def test_packs_are_read_and_files_validated_over_http(service: Service) -> None:
    packs = service.get("/v1/policy-packs").json()
    assert len(packs) == 6
    ordsall = service.get("/v1/policy-packs/ordsall-primary").json()
    assert ordsall["rules"]["AlwaysMinimumStaff"]["citation"]["line"] == 134
    assert service.get("/v1/policy-packs/nope").status_code == 404

    bad = service.post("/v1/policy-packs/validate", {"filename": "careless.yaml",
                                                     "content": BAD_PACK})
    assert bad.status_code == 422
    [detail] = bad.json()["details"]
    assert detail.startswith("careless.yaml line 8: rules.CheckInInterval.minutes: Input should be a "
                             "valid integer")
    good = service.post("/v1/policy-packs/validate", {
        "filename": "ordsall.yaml", "content": (PACKS_DIR / "ordsall-primary.yaml").read_text()})
    assert good.status_code == 200
    assert good.json()["name"] == "ordsall-primary"


def test_the_cli_validates_a_pack_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    bad = tmp_path / "careless.yaml"
    bad.write_text(BAD_PACK)
    assert main(["policy", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "careless.yaml line 8: rules.CheckInInterval.minutes: Input should be a valid integer" in err
    assert main(["policy", "validate", str(PACKS_DIR / "blue-coat-ce-secondary.yaml")]) == 0
    assert "valid pack blue-coat-ce-secondary" in capsys.readouterr().out
