"""The deployment's schools file (deploy/schools.yaml) is one the first start can import."""

from __future__ import annotations

from pathlib import Path

from services.authorisation.commands import SchoolDetailsIn
from services.authorisation.packs import Catalogue
from shared.runtime.settings import DoorstepSettings
from shared.security.tenancy import schools_in_file

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "schools.yaml"


def test_every_school_in_the_deploy_file_would_be_onboarded() -> None:
    entries = schools_in_file(DoorstepSettings(schools_file=DEPLOY))
    packs = Catalogue.load().packs
    assert {e["urn"] for e in entries} == {"121212", "121213"}
    for entry in entries:
        fields = {k: v for k, v in entry.items() if k in SchoolDetailsIn.model_fields}
        details = SchoolDetailsIn(**{"name": f"School {entry['urn']}", **fields})
        assert details.policy_pack in packs
        assert entry["trust_id"] == "west-norfolk-academies"
