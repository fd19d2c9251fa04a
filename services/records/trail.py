"""The trust-wide audit trail: append once, in order, hash-chained; read back by subject."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.records import tables
from services.records.chain import (
    HEADER_FIELDS,
    Checkpoint,
    Finding,
    Link,
    Verdict,
    digest,
    entry_hash,
    genesis,
    header_of,
    verify_chain,
)
from services.records.entries import Cipher, Draft, draft
from services.records.unread import UnreadMessage, draft_unread
from shared.contracts import IntegrationEvent

ENVELOPE = ("event_id", "schema_version", "occurred_at", "trust_id", "school_urn", "visit_id",
            "actor", "correlation_id", "causation_id")
Clock = Callable[[], datetime]
Also = Callable[[Connection, dict[str, str], dict[str, Any]], None]
T = tables.entries


@dataclass(frozen=True)
class Appended:
    seq: int
    hash: str
    new: bool


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


class Trail:
    def __init__(self, engine: Engine, cipher: Cipher, clock: Clock | None = None) -> None:
        self.engine = engine
        self.cipher = cipher
        self.clock = clock or (lambda: datetime.now(UTC))
        self._sqlite_lock = threading.Lock() if engine.dialect.name == "sqlite" else None

    # -- writing ----------------------------------------------------------------------------
    def append(self, event: IntegrationEvent, also: Also | None = None) -> Appended:
        """Append the event once; a second delivery returns the entry already there.

        `also` runs inside the same transaction (projections), so the trail and what is derived
        from it never disagree.
        """
        return self.append_draft(draft(event, self.clock(), self.cipher), also)

    def append_unread(self, message: UnreadMessage) -> Appended:
        """An entry for a message that could not be interpreted: the trail stays total."""
        return self.append_draft(draft_unread(message, self.clock(), self.cipher))

    def append_draft(self, entry: Draft, also: Also | None = None) -> Appended:
        try:
            return self.append_drafts([entry], also)[0]
        except IntegrityError:
            # another replica appended the same event between our look and our write
            with self.engine.connect() as conn:
                row = conn.execute(select(T.c.seq, T.c.hash).where(
                    T.c.event_id == entry.fields["event_id"])).first()
            if row is None:
                raise
            return Appended(row.seq, row.hash, new=False)

    def append_many(self, events: list[IntegrationEvent], also: Also | None = None
                    ) -> list[Appended]:
        """Append one trust's events, in order, in one transaction (one commit for them all)."""
        now = self.clock()
        return self.append_drafts([draft(event, now, self.cipher) for event in events], also)

    def append_drafts(self, entries: list[Draft], also: Also | None = None) -> list[Appended]:
        trusts = {entry.fields["trust_id"] for entry in entries}
        if len(trusts) != 1:
            raise ValueError(f"one trust's entries at a time, not {sorted(trusts)}")
        if self._sqlite_lock is None:
            return self._append_all(entries, also)
        with self._sqlite_lock:
            return self._append_all(entries, also)

    def _append_all(self, entries: list[Draft], also: Also | None) -> list[Appended]:
        """The chain is worked out entry by entry, then written with one statement per table
        (an executemany), not one statement built per row."""
        trust = entries[0].fields["trust_id"]
        appended: list[Appended] = []
        rows: list[dict[str, Any]] = []
        refs: list[dict[str, Any]] = []
        with self.engine.begin() as conn:
            count, head = self._lock_head(conn, trust)
            ids = [entry.fields["event_id"] for entry in entries]
            known = {row.event_id: Appended(row.seq, row.hash, new=False) for row in conn.execute(
                select(T.c.event_id, T.c.seq, T.c.hash).where(T.c.event_id.in_(ids)))}
            for entry in entries:
                event_id = entry.fields["event_id"]
                if event_id in known:
                    appended.append(known[event_id])
                    continue
                seq, digest = count + 1, entry_hash(head, entry.header)
                rows.append({**entry.fields, "seq": seq, "sealed": entry.sealed,
                             "prev_hash": head, "hash": digest})
                refs += [{"trust_id": trust, "ref": name, "seq": seq,
                          "visit_id": entry.fields["visit_id"]}
                         for name in entry.fields["refs"].split()]
                if also is not None:
                    also(conn, {**entry.fields, "seq": str(seq)}, entry.data)
                count, head = seq, digest
                known[event_id] = Appended(seq, digest, new=True)
                appended.append(known[event_id])
            if rows:
                conn.execute(insert(T), rows)
            if refs:
                conn.execute(insert(tables.refs), refs)
            conn.execute(update(tables.heads).where(tables.heads.c.trust_id == trust)
                         .values(length=count, head_hash=head))
        return appended

    def _lock_head(self, conn: Connection, trust: str) -> tuple[int, str]:
        """The trust's head, locked until commit: appends to one chain are serialised."""
        query = select(tables.heads.c.length, tables.heads.c.head_hash).where(
            tables.heads.c.trust_id == trust).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(tables.heads).values(trust_id=trust, length=0,
                                                             head_hash=genesis(trust)))
            except IntegrityError:
                pass
            row = conn.execute(query).first()
            assert row is not None
        return int(row.length), str(row.head_hash)

    # -- reading ----------------------------------------------------------------------------
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

    def verify(self, trust_id: str, extra: Iterable[Checkpoint] = (), *, deep: bool = False
               ) -> Verdict:
        """Verify one trust's chain, its head and its checkpoints, all read in one snapshot."""
        options: dict[str, Any] = {}
        if self.engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            if self.engine.dialect.name == "sqlite":
                # pysqlite starts no transaction for reads: each SELECT would see its own
                # snapshot, and a head read before an append would disagree with the chain
                conn.exec_driver_sql("BEGIN")
            head = conn.execute(select(tables.heads.c.length).where(
                tables.heads.c.trust_id == trust_id)).first()
            c = tables.checkpoints.c
            anchors = [Checkpoint(r.trust_id, int(r.length), r.head_hash, r.taken_at)
                       for r in conn.execute(select(tables.checkpoints).where(
                           c.trust_id == trust_id))]
            anchors += [a for a in extra if a.trust_id == trust_id]
            verdict = verify_chain(trust_id, lambda: self._links(conn, trust_id),
                                   checkpoints=anchors,
                                   recorded_count=int(head.length) if head else 0)
            if deep and verdict.intact:
                verdict.finding = self._open_seals(conn, trust_id)
            verdict.notes.append("deep: every sealed payload opened and matched" if deep else
                                 "payloads checked by their sealed digests")
            return verdict

    def _links(self, conn: Connection, trust_id: str) -> Iterator[Link]:
        """The chain as verification reads it: one streamed pass, no decryption."""
        columns = [T.c.seq, T.c.event_id, T.c.prev_hash, T.c.hash, T.c.sealed,
                   *[T.c[name] for name in HEADER_FIELDS]]
        sealed_at = HEADER_FIELDS.index("sealed_digest")
        result = conn.execution_options(yield_per=10_000).execute(
            select(*columns).where(T.c.trust_id == trust_id).order_by(T.c.seq))
        for row in result:
            fields = list(row[5:])
            if digest(bytes(row[4])) != fields[sealed_at]:
                fields[sealed_at] = "sealed payload changed"
            yield Link(row[0], row[1], row[2], row[3], header_of(fields))

    def _open_seals(self, conn: Connection, trust_id: str) -> Finding | None:
        result = conn.execution_options(yield_per=2000).execute(
            select(T.c.seq, T.c.event_id, T.c.sealed, T.c.payload_digest)
            .where(T.c.trust_id == trust_id).order_by(T.c.seq))
        for row in result:
            try:
                plain = self.cipher.decrypt(bytes(row.sealed))
            except Exception:
                plain = b""
            if digest(plain) != row.payload_digest:
                return Finding("edited", row.seq, row.event_id,
                               f"entry at seq {row.seq} (event {row.event_id}) was edited: its "
                               "sealed payload does not open to the content it was hashed with")
        return None

    def count(self, trust_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(T).where(
                T.c.trust_id == trust_id)).scalar_one())

    # -- checkpoints ------------------------------------------------------------------------
    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(tables.checkpoints).values(
                    trust_id=checkpoint.trust_id, length=checkpoint.count,
                    head_hash=checkpoint.head_hash, taken_at=checkpoint.taken_at))
        except IntegrityError:
            pass  # the same checkpoint, recorded already

    def checkpoints(self, trust_id: str) -> list[Checkpoint]:
        c = tables.checkpoints.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.checkpoints).where(c.trust_id == trust_id)
                                .order_by(c.length)).all()
        return [Checkpoint(r.trust_id, int(r.length), r.head_hash, r.taken_at) for r in rows]
