"""Read models kept beside the trail and rebuilt from it: what is open and who must act."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    select,
)
from sqlalchemy import insert as sql_insert
from sqlalchemy import update as sql_update

from services.records.chain import timestamp

metadata = MetaData()


def _trust() -> Column[str]:
    return Column("trust_id", String(64), primary_key=True)


visits_in_progress = Table(
    "visits_in_progress", metadata, _trust(),
    Column("visit_id", String(36), primary_key=True),
    Column("school_urn", String(6), nullable=False),
    Column("status", String(32), nullable=False),
    Column("expected_return", String(32), nullable=False, default=""),
    Column("last_event", String(64), nullable=False),
    Column("last_event_at", String(32), nullable=False),
    Column("alarm", Boolean, nullable=False, default=False),
)
incidents_awaiting_sharing = Table(
    "incidents_awaiting_sharing", metadata, _trust(),
    Column("incident_id", String(36), primary_key=True),
    Column("school_urn", String(6), nullable=False),
    Column("visit_id", String(36), nullable=False),
    Column("reported_at", String(32), nullable=False),
    Column("share_by", String(32), nullable=False),
    Column("overdue", Boolean, nullable=False, default=False),
)
concerns_awaiting_dsl = Table(
    "concerns_awaiting_dsl", metadata, _trust(),
    Column("concern_id", String(36), primary_key=True),
    Column("school_urn", String(6), nullable=False),
    Column("visit_id", String(36), nullable=False),
    Column("raised_at", String(32), nullable=False),
    Column("immediate_risk", Boolean, nullable=False),
    Column("police_must_be_called", Boolean, nullable=False),
)
# Per school and day (UTC): visits asked for, and escalations raised (each once, at its start).
daily_activity = Table(
    "daily_activity", metadata, _trust(),
    Column("school_urn", String(6), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("visits", Integer, nullable=False, default=0),
    Column("escalations", Integer, nullable=False, default=0),
)
TABLES = {"daily_activity": daily_activity, "visits_in_progress": visits_in_progress,
          "incidents_awaiting_sharing": incidents_awaiting_sharing,
          "concerns_awaiting_dsl": concerns_awaiting_dsl}

VISIT_STATUS = {"VisitRequested": "requested", "VisitAuthorised": "authorised",
                "Departed": "en_route", "Arrived": "on_site", "CheckedIn": "on_site",
                "LeftProperty": "left_property", "NoOneHome": "no_one_home"}
VISIT_ALARMS = {"CheckInMissed", "ReturnOverdue", "DuressRaised", "EscalationRaised"}
VISIT_ENDS = {"Returned", "VisitCancelled", "VisitDeclined"}


def _utc(text: str | None) -> str:
    return timestamp(datetime.fromisoformat(text)) if text else ""


# The busiest read model (every visit event) uses statements built once, with bind parameters.
_THIS_VISIT = ((visits_in_progress.c.trust_id == bindparam("w_trust"))
               & (visits_in_progress.c.visit_id == bindparam("w_visit")))
_FIND_VISIT = select(visits_in_progress.c.visit_id).where(_THIS_VISIT)
_UPDATE_VISIT = sql_update(visits_in_progress).where(_THIS_VISIT)
_DELETE_VISIT = delete(visits_in_progress).where(_THIS_VISIT)


def _visit(conn: Connection, kind: str, fields: dict[str, str], data: dict[str, Any]) -> None:
    trust, visit = fields["trust_id"], fields["visit_id"]
    if not visit:
        return
    this = {"w_trust": trust, "w_visit": visit}
    if kind in VISIT_ENDS:
        conn.execute(_DELETE_VISIT, this)
        return
    change = _visit_change(kind, fields, data)
    if kind == "VisitRequested":
        if conn.execute(_FIND_VISIT, this).first() is None:
            conn.execute(sql_insert(visits_in_progress).values(
                trust_id=trust, visit_id=visit, school_urn=fields["school_urn"], **change))
        return
    conn.execute(_UPDATE_VISIT, {**this, **change})


def _visit_change(kind: str, fields: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    change: dict[str, Any] = {"last_event": kind, "last_event_at": fields["occurred_at"]}
    if kind in VISIT_STATUS:
        change["status"] = VISIT_STATUS[kind]
    if kind in VISIT_ALARMS:
        change["alarm"] = True
    if kind == "CheckedIn":
        change["alarm"] = False
    if data.get("expected_return"):
        change["expected_return"] = _utc(data["expected_return"])
    return change


def _incident(conn: Connection, kind: str, fields: dict[str, str], data: dict[str, Any]) -> None:
    table = incidents_awaiting_sharing
    where = (table.c.trust_id == fields["trust_id"]) & (table.c.incident_id == data["incident_id"])
    if kind == "IncidentReported":
        if conn.execute(select(table.c.incident_id).where(where)).first() is None:
            conn.execute(sql_insert(table).values(
                trust_id=fields["trust_id"], incident_id=data["incident_id"],
                school_urn=fields["school_urn"], visit_id=fields["visit_id"],
                reported_at=fields["occurred_at"], share_by=_utc(data.get("share_by")),
                overdue=False))
    elif kind == "IncidentShared":
        conn.execute(delete(table).where(where))
    elif kind == "IncidentReportOverdue":
        conn.execute(sql_update(table).where(where).values(overdue=True))


def _concern(conn: Connection, kind: str, fields: dict[str, str], data: dict[str, Any]) -> None:
    table = concerns_awaiting_dsl
    where = (table.c.trust_id == fields["trust_id"]) & (table.c.concern_id == data["concern_id"])
    if kind == "SafeguardingConcernRaised":
        if conn.execute(select(table.c.concern_id).where(where)).first() is None:
            conn.execute(sql_insert(table).values(
                trust_id=fields["trust_id"], concern_id=data["concern_id"],
                school_urn=fields["school_urn"], visit_id=fields["visit_id"],
                raised_at=fields["occurred_at"],
                immediate_risk=bool(data.get("immediate_risk")),
                police_must_be_called=bool(data.get("police_must_be_called"))))
    elif kind == "SafeguardingConcernReceived":
        conn.execute(delete(table).where(where))


def _activity(conn: Connection, kind: str, fields: dict[str, str], data: dict[str, Any]) -> None:
    if kind == "VisitRequested":
        counted = "visits"
    elif kind == "EscalationRaised" and (data.get("level") == 1 or (data.get("trigger") == "duress"
                                         and data.get("level") == 3)):
        counted = "escalations"  # raised, not climbed: level 1, or duress straight at the top
    else:
        return
    table, day = daily_activity, fields["occurred_at"][:10]
    where = ((table.c.trust_id == fields["trust_id"]) & (table.c.school_urn == fields["school_urn"])
             & (table.c.day == day))
    if conn.execute(select(table.c.day).where(where)).first() is None:
        conn.execute(sql_insert(table).values(trust_id=fields["trust_id"], day=day, visits=0,
                                              school_urn=fields["school_urn"], escalations=0))
    conn.execute(sql_update(table).where(where).values({counted: table.c[counted] + 1}))


Projector = Callable[[Connection, str, dict[str, str], dict[str, Any]], None]
PROJECTORS: dict[str, Projector] = {
    **{kind: _visit for kind in {*VISIT_STATUS, *VISIT_ALARMS, *VISIT_ENDS}},
    "IncidentReported": _incident, "IncidentShared": _incident,
    "IncidentReportOverdue": _incident,
    "SafeguardingConcernRaised": _concern, "SafeguardingConcernReceived": _concern,
}


def apply(conn: Connection, fields: dict[str, str], data: dict[str, Any]) -> None:
    """Fold one trail entry into the read models, inside the trail's own transaction."""
    projector = PROJECTORS.get(fields["event_type"])
    if projector is not None:
        projector(conn, fields["event_type"], fields, data)
    _activity(conn, fields["event_type"], fields, data)


def apply_all(conn: Connection, entries: list[tuple[dict[str, str], dict[str, Any]]]) -> None:
    """Fold one transaction's entries into the read models, in order. A visit's plain updates
    (every check-in is one) are merged and written together, one statement for many rows: each
    sets constants on one row, so the last value of each column is what the rows would hold
    after them all. Anything else about a visit (its start, its end) first writes what is held."""
    held: dict[tuple[str, str], dict[str, Any]] = {}
    for fields, data in entries:
        kind = fields["event_type"]
        change = _plain_visit_change(kind, fields, data)
        if change is None:
            _write_visit_changes(conn, held)
            apply(conn, fields, data)
            continue
        key = (fields["trust_id"], fields["visit_id"])
        held[key] = {**held.get(key, {"w_trust": key[0], "w_visit": key[1]}), **change}
        _activity(conn, kind, fields, data)
    _write_visit_changes(conn, held)


def _plain_visit_change(kind: str, fields: dict[str, str], data: dict[str, Any]
                        ) -> dict[str, Any] | None:
    """What a visit event sets on its row, when that is all it does (not a start or an end)."""
    if (PROJECTORS.get(kind) is not _visit or kind in VISIT_ENDS or kind == "VisitRequested"
            or not fields["visit_id"]):
        return None
    return _visit_change(kind, fields, data)


def _write_visit_changes(conn: Connection, held: dict[tuple[str, str], dict[str, Any]]) -> None:
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for change in held.values():
        by_columns.setdefault(frozenset(change), []).append(change)
    for changes in by_columns.values():
        conn.execute(_UPDATE_VISIT, changes)
    held.clear()


def rebuild(engine: Engine, entries: Callable[[Connection], Any],
            progress: Callable[[int], None] | None = None) -> int:
    """Empty the read models and fold the whole trail into them again, in one transaction."""
    done = 0
    with engine.begin() as conn:
        for table in TABLES.values():
            conn.execute(delete(table))
        for fields, data in entries(conn):
            apply(conn, fields, data)
            done += 1
            if progress and done % 10_000 == 0:
                progress(done)
    return done


def read(engine: Engine, name: str, trust_id: str, school_urn: str | None = None,
         since: str | None = None) -> list[dict[str, Any]]:
    """A read model's rows for a trust, or one of its schools; daily activity from a day on."""
    table = TABLES[name]
    query = select(table).where(table.c.trust_id == trust_id)
    if school_urn:
        query = query.where(table.c.school_urn == school_urn)
    if since and name == "daily_activity":
        query = query.where(table.c.day >= since)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query.order_by(*table.primary_key))]


def incidents_due(engine: Engine, now: str) -> list[str]:
    table = incidents_awaiting_sharing
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.incident_id).where(
            (table.c.overdue.is_(False)) & (table.c.share_by != "") & (table.c.share_by < now)))
        return [row[0] for row in rows]


def dumps(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2, default=str)
