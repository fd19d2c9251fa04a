"""Verifying the trail: each trust's chain against its head and checkpoints, in one snapshot."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from services.records import tables
from services.records.chain import (
    HEADER_FIELDS,
    Checkpoint,
    Finding,
    Link,
    Verdict,
    digest,
    header_of,
    verify_chain,
)
from services.records.trail.base import T, TrailBase


class Verifying(TrailBase):
    """Checks each chain, and keeps the checkpoints (anchored heads) it is checked against."""

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
