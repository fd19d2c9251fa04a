"""What-if: Ordsall's recorded decisions judged again under a proposed version of its pack,
read from the store's events, with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import AssessmentIn, AssignmentIn, DecisionIn
from services.authorisation.domain import VisitCase
from services.authorisation.schools import SERVICE_ACTOR
from shared.cli.main import main
from shared.contracts.errors import NotFound, RulesBroken
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.authorisation.conftest import TRUST, URN, Service, visit_requested
from tests.authorisation.ordsall_change import changed_pack, changed_policy_text
from tests.authorisation.test_pack_versions import DSL, IT, lone_visit
from tests.authorisation.test_store import settings_for

TODAY = date.today()
QUARTER = (TODAY - timedelta(days=90), TODAY)


def ordsall_history(app: AuthorisationApp) -> tuple[VisitCase, VisitCase]:
    """A lone visit refused (Ordsall: always two) and a pair visit authorised, under v1; a
    draft v2 that allows a lone visit after a full assessment rated low."""
    app.seed_code_packs(SERVICE_ACTOR)
    app.assign_pack(URN, AssignmentIn(pack="ordsall-primary"), IT, TRUST)
    lone = lone_visit(app)
    with pytest.raises(RulesBroken):
        app.decide(lone.visit_id, URN, DecisionIn(decision="authorise"), DSL, uuid4())
    pair = visit_requested(household="hh-pair")
    assert pair.visit_id is not None
    app.record_request(pair)
    app.record_assessment(pair.visit_id, URN, AssessmentIn(kind="initial", score=3), DSL, uuid4())
    app.decide(pair.visit_id, URN, DecisionIn(decision="authorise"), DSL, uuid4())
    app.draft_pack("ordsall.yaml", changed_pack(), changed_policy_text(), DSL, TRUST)
    return lone, app.visit(pair.visit_id, URN)


def what_if_story(make: Callable[[], AuthorisationApp]) -> None:
    app = make()
    lone, _ = ordsall_history(app)
    written = app.recorder.max_notification_id()

    report = app.what_if("ordsall-primary", 2, TRUST, *QUARTER, school_urn=URN)
    assert report.replayed == 2
    [changed] = [d.as_dict() for d in report.changed]
    assert changed["visit_id"] == str(lone.visit_id)
    assert (changed["was"], changed["under"], changed["would_be"]) == (
        "refused", "ordsall-primary v1", "allowed")
    assert changed["no_longer_broken"] == ["AlwaysMinimumStaff"]
    assert changed["newly_broken"] == []
    assert app.recorder.max_notification_id() == written  # nothing was written

    assert app.what_if("ordsall-primary", 2, TRUST, *QUARTER, school_urn="999999").replayed == 0
    with pytest.raises(NotFound):  # another trust's draft does not exist for it
        app.what_if("ordsall-primary", 2, "another-trust", *QUARTER)
    assert app.what_if("ordsall-primary", 1, "another-trust", *QUARTER).replayed == 0
    before = app.what_if("ordsall-primary", 2, TRUST, QUARTER[0], TODAY - timedelta(days=1))
    assert before.replayed == 0  # decided today, outside the period
    assert app.what_if("ordsall-primary", 1, TRUST, *QUARTER).changed == []  # its own version
    app.close()


def test_what_if_on_sqlite(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    what_if_story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                           sealer=sealer_for(settings)))


@pytest.mark.postgres
def test_what_if_on_postgresql(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    what_if_story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                           sealer=sealer_for(settings)))


def test_the_cli_lists_the_decisions_a_draft_would_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    settings = DoorstepSettings(environment="test", data_dir=tmp_path)
    app = AuthorisationApp(env=store_env(settings, "authorisation"), sealer=sealer_for(settings))
    lone, _ = ordsall_history(app)
    app.close()
    monkeypatch.setenv("DOORSTEP_ENVIRONMENT", "test")
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))

    assert main(["policy", "what-if", "--pack", "ordsall-primary", "--version", "2",
                 "--school", URN]) == 0
    out = capsys.readouterr().out
    assert f"ordsall-primary v2, school {URN}, {QUARTER[0]} to {TODAY}: 2 decisions replayed" \
        in out
    assert "1 would change" in out
    assert f"visit {lone.visit_id}" in out
    assert "refused under ordsall-primary v1, would be allowed" in out
    assert "- AlwaysMinimumStaff" in out
    assert main(["policy", "what-if", "--pack", "ordsall-primary", "--version", "7",
                 "--trust", TRUST]) == 2
    assert "has no version 7" in capsys.readouterr().err


@pytest.mark.nats
def test_a_dsl_sees_the_what_if_of_the_schools_last_90_days_over_http(service: Service) -> None:
    assert service.put(f"/v1/schools/{URN}/policy", {"pack": "ordsall-primary"}).status_code == 200
    upload = {"filename": "ordsall.yaml", "content": changed_pack(),
              "policy_text": changed_policy_text()}
    assert service.post(f"/v1/schools/{URN}/policy-packs", upload).status_code == 201
    path = f"/v1/schools/{URN}/policy-packs/ordsall-primary/versions/2/what-if"

    answer = service.get(path)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["from"], answer.json()["to"]) == (QUARTER[0].isoformat(),
                                                            TODAY.isoformat())
    assert answer.json()["replayed"] == 0
    assert service.get(path, role="staff", user="staff-1").status_code == 403
    backwards = service.get(f"{path}?from_date=2026-05-01&to_date=2026-01-01")
    assert backwards.status_code == 422
    assert "runs backwards" in backwards.text
    lead = service.get("/v1/policy-packs/ordsall-primary/versions/2/what-if",
                       role="trust_safety_lead", user="tsl-1")
    assert lead.status_code == 200
    assert lead.json()["school_urn"] is None
