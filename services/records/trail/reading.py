"""Reading the trail back: a trust's head, a subject's history, one entry, every entry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, and_, func, or_, select

from services.records import tables
from services.records.chain import HEADER_FIELDS, genesis
from services.records.trail.base import T, TrailBase

ENVELOPE = ("event_id", "schema_version", "occurred_at", "trust_id", "school_urn", "visit_id",
            "actor", "correlation_id", "causation_id")


@dataclass(frozen=True)
class Selection:
    """Which history: a visit, or everything naming a household, pupil or staff member."""

    trust_id: str
    visit_id: str | None = None
    ref: str | None = None  # "household:H1", "pupil:P1", "staff:S1"
    school_urn: str | None = None
    schools: tuple[str, ...] | None = None  # a school role sees only its own schools' entries
    as_of: str | None = None  # occurred at or before (fixed-width UTC text)
    known_at: str | None = None  # recorded in the trail at or before
    types: tuple[str, ...] | None = None  # only entries of these event types


class Reading(TrailBase):
    """Entries as the API, exports and projections read them, each decrypted as it is read."""

    def trusts(self) -> list[str]:
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(select(tables.heads.c.trust_id).order_by(
                tables.heads.c.trust_id))]

    def head(self, trust_id: str) -> tuple[int, str]:
        with self.engine.connect() as conn:
            row = conn.execute(select(tables.heads.c.length, tables.heads.c.head_hash).where(
                tables.heads.c.trust_id == trust_id)).first()
        return (int(row.length), str(row.head_hash)) if row else (0, genesis(trust_id))

    def history(self, selection: Selection) -> list[dict[str, Any]]:
        """Every entry of the selection, in trail order, each with its decrypted event."""
        query = select(T).where(T.c.trust_id == selection.trust_id)
        if selection.visit_id is not None:
            query = query.where(T.c.visit_id == selection.visit_id)
        if selection.ref is not None:
            named = select(tables.refs.c.seq).where(and_(
                tables.refs.c.trust_id == selection.trust_id, tables.refs.c.ref == selection.ref))
            visits = select(tables.refs.c.visit_id).where(and_(
                tables.refs.c.trust_id == selection.trust_id, tables.refs.c.ref == selection.ref,
                tables.refs.c.visit_id != ""))
            query = query.where(or_(T.c.seq.in_(named), T.c.visit_id.in_(visits)))
        if selection.school_urn is not None:
            query = query.where(T.c.school_urn == selection.school_urn)
        if selection.schools is not None:
            query = query.where(T.c.school_urn.in_(selection.schools))
        if selection.types is not None:
            query = query.where(T.c.event_type.in_(selection.types))
        if selection.as_of is not None:
            query = query.where(T.c.occurred_at <= selection.as_of)
        if selection.known_at is not None:
            query = query.where(T.c.recorded_at <= selection.known_at)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(T.c.seq)).all()
        views = [self.view(row) for row in rows]
        corrected: dict[str, list[str]] = {}
        for view in views:
            if view["corrects"]:
                corrected.setdefault(view["corrects"], []).append(view["event_id"])
        for view in views:
            view["corrected_by"] = corrected.get(view["event_id"], [])
        return views

    def view(self, row: Row[Any]) -> dict[str, Any]:
        body = json.loads(self.cipher.decrypt(row.sealed))
        event = body["event"]
        return {
            "seq": row.seq,
            "type": row.event_type,
            "event_id": row.event_id,
            "schema_version": int(row.schema_version),
            "occurred_at": event["occurred_at"],
            "recorded_at": row.recorded_at,
            "trust_id": row.trust_id,
            "school_urn": row.school_urn,
            "visit_id": row.visit_id or None,
            "actor": {"id": row.actor_id, "role": row.actor_role},
            "correlation_id": row.correlation_id,
            "causation_id": row.causation_id or None,
            "corrects": row.corrects or None,
            "payload": {k: v for k, v in event.items() if k not in ENVELOPE},
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }

    def household_of(self, trust_id: str, visit_id: str) -> str | None:
        """The household a visit went to, as its VisitRequested in the trail names it."""
        with self.engine.connect() as conn:
            ref = conn.execute(select(tables.refs.c.ref).where(
                tables.refs.c.trust_id == trust_id, tables.refs.c.visit_id == visit_id,
                tables.refs.c.ref.like("household:%")).limit(1)).scalar()
        return ref.removeprefix("household:") if ref else None

    def entry(self, trust_id: str, event_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(T).where((T.c.trust_id == trust_id)
                                               & (T.c.event_id == event_id))).first()
        return self.view(row) if row is not None else None

    def decrypted(self, conn: Connection) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
        """Every entry of every trust, in trail order, as (stored fields, event payload)."""
        result = conn.execution_options(yield_per=2000).execute(
            select(T).order_by(T.c.trust_id, T.c.seq))
        for row in result:
            fields = {name: row._mapping[name] for name in HEADER_FIELDS}
            yield fields, json.loads(self.cipher.decrypt(row.sealed))["event"]

    def rows(self, trust_id: str, batch: int = 5000) -> Iterator[Row[Any]]:
        """Every entry of a trust in storage order, streamed."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(
                select(T).where(T.c.trust_id == trust_id).order_by(T.c.seq))
            yield from result

    def hash_at(self, trust_id: str, length: int) -> str | None:
        """The chain's hash once it was `length` entries long (None: it never was)."""
        if length == 0:
            return genesis(trust_id)
        with self.engine.connect() as conn:
            found = conn.execute(select(T.c.hash).where(T.c.trust_id == trust_id,
                                                        T.c.seq == length)).scalar()
        return None if found is None else str(found)

    def count(self, trust_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(T).where(
                T.c.trust_id == trust_id)).scalar_one())
