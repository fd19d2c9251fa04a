"""Incidents, concerns, write-ups and corrections, through the records application."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.records import projections
from services.records.application import RecordsApplication
from services.records.export import export_trust, verify_file, write_lines
from services.records.integration import translate
from services.records.settings import RecordsSettings
from services.records.trail import Selection
from shared.contracts import Actor, Role
from shared.contracts.meta import command_meta
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.records.conftest import MakeTrail
from tests.records.stories import SCHOOL, TRUST, visit_story


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 14, 30, tzinfo=UTC))  # a Tuesday afternoon


@pytest.fixture
def app(sqlite_settings: DoorstepSettings, make_trail: MakeTrail, clock: Clock
        ) -> RecordsApplication:
    settings = RecordsSettings(working_day_ends={SCHOOL: "16:30"})  # type: ignore[dict-item]
    return RecordsApplication(store_env(sqlite_settings, "records"),
                              trail=make_trail(sqlite_settings), sealer=sealer_for(sqlite_settings),
                              settings=settings, clock=clock)


def meta(user: str = "s1", role: Role = Role.STAFF) -> dict[str, str]:
    cause = uuid4()
    return command_meta(trust_id=TRUST, school_urn=SCHOOL, actor=Actor(id=user, role=role),
                        correlation_id=cause, causation_id=cause)


def relay(app: RecordsApplication, start: int = 1) -> int:
    """What the outbox relay does, without NATS: publish each stored event into the trail."""
    last = start - 1
    for notification in app.recorder.select_notifications(start, 1000):
        for event in translate(app.mapper.to_domain_event(notification)):
            app.record(event)
        last = notification.id
    return last + 1


def types(app: RecordsApplication, visit: UUID) -> list[str]:
    return [e["type"] for e in app.history(Selection(trust_id=TRUST, visit_id=str(visit)))]


REPORT = {"kind": "verbal aggression", "description": "parent shouted at staff",
          "police_called": False, "reported_by": "s1"}


def test_an_incident_not_shared_by_the_end_of_the_working_day_is_overdue(
        app: RecordsApplication, clock: Clock) -> None:
    visit = uuid4()
    incident = app.report_incident(visit, REPORT, meta(), key="r1")
    assert incident.share_by == datetime(2026, 11, 24, 16, 30, tzinfo=incident.share_by.tzinfo)
    position = relay(app)
    clock.now += timedelta(hours=1)  # 15:30 London: still in the working day
    assert app.raise_overdue_reports() == []
    clock.now += timedelta(hours=2)  # 17:30 London: the day has ended
    assert app.raise_overdue_reports() == [incident.id]
    relay(app, position)
    assert app.raise_overdue_reports() == []  # said once
    assert types(app, visit) == ["IncidentReported", "IncidentReportOverdue"]
    waiting = projections.read(app.trail.engine, "incidents_awaiting_sharing", TRUST)
    assert [(w["incident_id"], w["overdue"]) for w in waiting] == [(str(incident.id), True)]


def test_an_incident_shared_in_time_is_never_overdue(app: RecordsApplication,
                                                     clock: Clock) -> None:
    visit = uuid4()
    incident = app.report_incident(visit, REPORT, meta(), key="r2")
    clock.now += timedelta(minutes=30)
    app.share_incident(incident.id, SCHOOL, "head-1", meta())
    relay(app)
    clock.now += timedelta(days=1)
    assert app.raise_overdue_reports() == []
    history = app.history(Selection(trust_id=TRUST, visit_id=str(visit)))
    assert [e["type"] for e in history] == ["IncidentReported", "IncidentShared"]
    assert history[1]["payload"]["on_time"] is True
    assert projections.read(app.trail.engine, "incidents_awaiting_sharing", TRUST) == []


def test_an_evening_report_is_due_at_the_end_of_the_next_working_day(
        app: RecordsApplication, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # Friday evening
    incident = app.report_incident(None, REPORT, meta(), key="r3")
    assert incident.share_by.isoformat() == "2026-11-30T16:30:00+00:00"  # Monday


def test_a_concern_with_immediate_risk_says_call_the_police_and_waits_for_the_dsl(
        app: RecordsApplication) -> None:
    visit = uuid4()
    concern = app.raise_concern(visit, {"pupil_ids": ["p-1"], "description": "bruising",
                                        "immediate_risk": True, "raised_by": "s1"}, meta(),
                                key="c1")
    assert concern.police_must_be_called
    position = relay(app)
    raised = app.history(Selection(trust_id=TRUST, visit_id=str(visit)))[0]
    assert raised["type"] == "SafeguardingConcernRaised"
    assert raised["payload"]["police_must_be_called"] is True
    assert "dsl" in raised["payload"]["notify_roles"]
    waiting = projections.read(app.trail.engine, "concerns_awaiting_dsl", TRUST)
    assert [w["concern_id"] for w in waiting] == [str(concern.id)]
    app.receive_concern(concern.id, SCHOOL, "dsl-1", meta("dsl-1", Role.DSL))
    relay(app, position)
    assert projections.read(app.trail.engine, "concerns_awaiting_dsl", TRUST) == []
    pupil = app.history(Selection(trust_id=TRUST, ref="pupil:p-1"))
    assert [e["type"] for e in pupil] == ["SafeguardingConcernRaised",
                                          "SafeguardingConcernReceived"]


def test_the_same_report_sent_twice_is_one_incident(app: RecordsApplication) -> None:
    first = app.report_incident(None, REPORT, meta(), key="same")
    second = app.report_incident(None, REPORT, meta(), key="same")
    assert first.id == second.id
    assert app.recorder.max_notification_id() == 1


def test_a_correction_stands_beside_the_entry_it_corrects(app: RecordsApplication) -> None:
    story = visit_story()
    for event in story:
        app.record(event)
    wrong = story[4]  # Arrived
    app.correct(TRUST, str(wrong.event_id), "arrival was logged against the wrong staff member",
                {"actor": "s2"}, meta("dsl-1", Role.DSL), key="fix-1")
    relay(app)
    history = app.history(Selection(trust_id=TRUST, visit_id=str(story[0].visit_id)))
    assert [e["type"] for e in history][-1] == "EntryCorrected"
    original = next(e for e in history if e["event_id"] == str(wrong.event_id))
    correction = history[-1]
    assert original["actor"]["id"] == "s1"  # nothing edited
    assert correction["corrects"] == str(wrong.event_id)
    assert original["corrected_by"] == [correction["event_id"]]
    assert app.trail.verify(TRUST).intact


def test_a_write_up_names_owners_and_due_dates_and_replays_by_staff(
        app: RecordsApplication) -> None:
    visit = uuid4()
    app.write_up(visit, {"summary": "family engaged", "written_by": "s1", "actions": [
        {"description": "refer to early help", "owner": "dsl-2", "due": "2026-12-01"}]},
        meta(), key="w1")
    relay(app)
    owned = app.history(Selection(trust_id=TRUST, ref="staff:dsl-2"))
    assert [e["type"] for e in owned] == ["VisitWrittenUp"]
    assert owned[0]["payload"]["actions"][0]["due"] == "2026-12-01"


def test_projections_rebuilt_from_the_trail_match_the_live_ones(app: RecordsApplication) -> None:
    for _ in range(3):
        for event in visit_story()[:6]:  # still out: checked in, not returned
            app.record(event)
    for event in visit_story():  # this one returned
        app.record(event)
    app.report_incident(None, REPORT, meta(), key="p1")
    relay(app)
    live = {name: projections.read(app.trail.engine, name, TRUST) for name in projections.TABLES}
    assert len(live["visits_in_progress"]) == 3
    assert {v["status"] for v in live["visits_in_progress"]} == {"on_site"}
    assert len(live["incidents_awaiting_sharing"]) == 1
    done = projections.rebuild(app.trail.engine, app.trail.decrypted)
    assert done == app.trail.count(TRUST)
    rebuilt = {name: projections.read(app.trail.engine, name, TRUST)
               for name in projections.TABLES}
    assert rebuilt == live


def test_an_ndjson_export_verifies_alone_and_a_changed_line_is_named(
        app: RecordsApplication, tmp_path: Path) -> None:
    for event in visit_story() + visit_story():
        app.record(event)
    app.take_checkpoints()
    path = tmp_path / "trail.ndjson"
    write_lines(export_trust(app.trail, TRUST), path)
    app.trail.engine.dispose()
    verdict = verify_file(path)
    assert verdict.intact, verdict.finding
    assert (verdict.count, verdict.checkpoints_checked) == (20, 1)
    lines = path.read_text().splitlines()
    entry4: dict[str, Any] = json.loads(lines[4])  # the first Departed, with the address
    entry4["body"]["event"]["address"] = "2 Other Road"
    lines[4] = json.dumps(entry4)
    path.write_text("\n".join(lines) + "\n")
    finding = verify_file(path).finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("edited", 4)
