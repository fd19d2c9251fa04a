"""The authorisation store on SQLite and PostgreSQL: a decision survives a restart, encrypted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import AssessmentIn, AssignmentIn, DecisionIn, StaffMemberIn
from shared.contracts import Actor, Role
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.authorisation.conftest import URN, visit_requested

DSL = Actor(id="dsl-1", role=Role.DSL)
IT = Actor(id="it-1", role=Role.TRUST_IT)


def story(make: Callable[[], AuthorisationApp]) -> None:
    app = make()
    requested = visit_requested(household="hh-secret-address")
    assert requested.visit_id is not None
    assert app.record_request(requested)
    app.assign_pack(URN, AssignmentIn(pack="ordsall-primary"), IT, "dev-trust")
    app.record_staff_member(URN, "staff-1", StaffMemberIn(roles=[Role.STAFF]), IT, "dev-trust")
    app.record_assessment(requested.visit_id, URN, AssessmentIn(kind="initial", score=4), DSL,
                          uuid4())
    app.decide(requested.visit_id, URN, DecisionIn(decision="authorise"), DSL, uuid4())
    app.close()

    again = make()
    case = again.visit(requested.visit_id, URN)
    assert case.decision == "authorised"
    assert case.conditions is not None
    assert case.conditions["check_in_interval_minutes"] == 20
    assert again.pack_for(URN).name == "ordsall-primary"
    register = again.register(URN)
    assert register is not None
    assert list(register.members) == ["staff-1"]
    assert not again.record_request(requested)  # redelivered: nothing changes
    stored = again.recorder.select_notifications(1, 100)
    assert not any(b"hh-secret-address" in n.state for n in stored)  # encrypted at rest
    again.close()


def settings_for(tmp_path: Path, database_url: str | None = None) -> DoorstepSettings:
    return DoorstepSettings(environment="test", data_dir=tmp_path, database_url=database_url,
                            schema_suffix=f"_{uuid4().hex[:10]}")


def test_on_sqlite(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                   sealer=sealer_for(settings)))


@pytest.mark.postgres
def test_on_postgresql(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                   sealer=sealer_for(settings)))
