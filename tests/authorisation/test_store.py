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
from shared.testing.servers import schema_suffix
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
                            schema_suffix=schema_suffix())


def test_on_sqlite(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                   sealer=sealer_for(settings)))


@pytest.mark.postgres
def test_on_postgresql(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                   sealer=sealer_for(settings)))


def people_story(make: Callable[[], AuthorisationApp]) -> None:
    """A school's first day, stored: its people imported, read back after a restart, sealed."""
    from tests.authorisation.test_imports import MESSY_STAFF, pupils_file

    app = make()
    staff = app.import_staff(URN, MESSY_STAFF, apply=True, actor=IT, trust_id="dev-trust")
    pupils = app.import_pupils(URN, pupils_file(600), apply=True, actor=IT, trust_id="dev-trust")
    assert (len(staff.added), len(pupils.added)) == (3, 300)
    app.close()

    again = make()
    assert again.staff(URN)["staff-0001"].name == "Zoë O'Brien"
    assert again.find_pupils(URN, "pupil599") == [
        {"upn": "A930000000599", "name": "Pupil599 Family299", "household_id": "HH00299"}]
    assert again.import_pupils(URN, pupils_file(600), apply=True, actor=IT,
                               trust_id="dev-trust").nothing_to_do
    notes = again.recorder.select_notifications(1, 10_000)
    opened = str([vars(again.mapper.to_domain_event(n)) for n in notes])
    assert "O'Brien" not in opened
    assert "Family299" not in opened
    again.close()


def test_people_on_sqlite(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    people_story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                          sealer=sealer_for(settings)))


@pytest.mark.postgres
def test_people_on_postgresql(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    people_story(lambda: AuthorisationApp(env=store_env(settings, "authorisation"),
                                          sealer=sealer_for(settings)))
