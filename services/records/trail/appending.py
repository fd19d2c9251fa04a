"""Appending to the trail: each event once, in order per trust, hash-chained, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.records import tables
from services.records.chain import entry_hash, genesis
from services.records.entries import Draft, draft
from services.records.trail.base import T, TrailBase
from services.records.unread import UnreadMessage, draft_unread
from shared.contracts import IntegrationEvent

# Given a transaction's new entries (header fields with their seq, and payload), in trail order.
Also = Callable[[Connection, list[tuple[dict[str, str], dict[str, Any]]]], None]

# Every batch runs the same statements: built once, with bind parameters, so SQLAlchemy neither
# builds nor keys them again per batch (that cost more CPU than the rows themselves).
H = tables.heads
_HEAD = select(H.c.length, H.c.head_hash).where(H.c.trust_id == bindparam("trust")
                                                ).with_for_update()
_NEW_HEAD = insert(H).values(trust_id=bindparam("trust"), length=0, head_hash=bindparam("head"))
_MOVE_HEAD = update(H).where(H.c.trust_id == bindparam("trust")).values(
    length=bindparam("length"), head_hash=bindparam("head"))
_KNOWN = select(T.c.event_id, T.c.seq, T.c.hash).where(
    T.c.event_id.in_(bindparam("ids", expanding=True)))
_INSERT_ENTRIES = insert(T)
_INSERT_REFS = insert(tables.refs)


@dataclass(frozen=True)
class Appended:
    seq: int
    hash: str
    new: bool


class Appending(TrailBase):
    """The only writes to the trail's entries: a trust's appends take turns on its head."""

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
        projected: list[tuple[dict[str, str], dict[str, Any]]] = []
        with self.engine.begin() as conn:
            count, head = self._lock_head(conn, trust)
            ids = [entry.fields["event_id"] for entry in entries]
            known = {row.event_id: Appended(row.seq, row.hash, new=False)
                     for row in conn.execute(_KNOWN, {"ids": ids})}
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
                projected.append(({**entry.fields, "seq": str(seq)}, entry.data))
                count, head = seq, digest
                known[event_id] = Appended(seq, digest, new=True)
                appended.append(known[event_id])
            if also is not None and projected:
                also(conn, projected)
            if rows:
                conn.execute(_INSERT_ENTRIES, rows)
            if refs:
                conn.execute(_INSERT_REFS, refs)
            conn.execute(_MOVE_HEAD, {"trust": trust, "length": count, "head": head})
        return appended

    def _lock_head(self, conn: Connection, trust: str) -> tuple[int, str]:
        """The trust's head, locked until commit: appends to one chain are serialised."""
        row = conn.execute(_HEAD, {"trust": trust}).first()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(_NEW_HEAD, {"trust": trust, "head": genesis(trust)})
            except IntegrityError:
                pass
            row = conn.execute(_HEAD, {"trust": trust}).first()
            assert row is not None
        return int(row.length), str(row.head_hash)
