"""The hash chain of the audit trail: canonical content, entry hashes, and verification. Pure.

Each trust has its own chain. An entry's hash covers the previous entry's hash and every stored
field of the entry (the payload through its digests), so an edit, a deletion, an insertion or a
reordering breaks the chain at a place verification can name. The storage position (`seq`) is
not hashed: order is what the chain says, so a row moved in storage shows up as reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

# The stored fields that make an entry, in hashing order. `refs` names the households, pupils and
# staff the event mentions, so replay by person is covered by the chain as well.
HEADER_FIELDS = (
    "event_id", "event_type", "schema_version", "occurred_at", "recorded_at", "trust_id",
    "school_urn", "visit_id", "actor_id", "actor_role", "correlation_id", "causation_id",
    "refs", "corrects", "payload_digest", "sealed_digest",
)
SEPARATOR = "\x1f"


def canonical(value: Any) -> bytes:
    """One byte form per JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def genesis(trust_id: str) -> str:
    """The 'previous hash' of a trust's first entry: binds the chain to its trust."""
    return digest(f"doorstep-audit-genesis\n{trust_id}".encode())


def header_of(fields: Sequence[str]) -> str:
    return SEPARATOR.join(fields)


def entry_hash(prev_hash: str, header: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{header}".encode()).hexdigest()


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC text, so stored times compare correctly as strings in any database."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Link(NamedTuple):
    """What verification needs of one stored entry (a tuple: a million are made per verify)."""

    seq: int
    event_id: str
    prev_hash: str
    hash: str
    header: str


@dataclass(frozen=True)
class Checkpoint:
    trust_id: str
    count: int
    head_hash: str
    taken_at: str = ""


@dataclass(frozen=True)
class Finding:
    """The first thing wrong: what kind, which entry, in words an auditor can act on."""

    kind: str  # edited | deleted | inserted | reordered | checkpoint
    seq: int | None
    event_id: str | None
    message: str


@dataclass
class Verdict:
    trust_id: str
    count: int = 0
    head_hash: str = ""
    checkpoints_checked: int = 0
    finding: Finding | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.finding is None

    def as_dict(self) -> dict[str, Any]:
        finding = None
        if self.finding:
            finding = {"kind": self.finding.kind, "seq": self.finding.seq,
                       "event_id": self.finding.event_id, "message": self.finding.message}
        return {"trust_id": self.trust_id, "intact": self.intact, "count": self.count,
                "head_hash": self.head_hash, "checkpoints_checked": self.checkpoints_checked,
                "finding": finding, "notes": self.notes}


Rows = Callable[[], Iterable[Link]]


def verify_chain(trust_id: str, rows: Rows, *, checkpoints: Iterable[Checkpoint] = (),
                 recorded_count: int | None = None) -> Verdict:
    """Walk the chain once; on the first break, look again to say what kind of break it is.

    `rows` gives the entries in storage order each time it is called. `recorded_count` is the
    count the store's head says it holds; anchors are checkpoints held elsewhere.
    """
    anchors = sorted(checkpoints, key=lambda c: c.count)
    verdict = Verdict(trust_id=trust_id)
    head, count, next_anchor = genesis(trust_id), 0, 0
    for link in rows():
        if link.prev_hash != head or entry_hash(link.prev_hash, link.header) != link.hash:
            verdict.finding = diagnose(trust_id, list(rows()), count, recorded_count)
            verdict.count, verdict.head_hash = count, head
            return verdict
        head, count = link.hash, count + 1
        while next_anchor < len(anchors) and anchors[next_anchor].count == count:
            anchor = anchors[next_anchor]
            if anchor.head_hash != head:
                verdict.finding = Finding(
                    "checkpoint", link.seq, link.event_id,
                    f"the trail up to entry {count} does not match the checkpoint taken "
                    f"{anchor.taken_at or 'earlier'}: entries at or before seq {link.seq} were "
                    "changed and the chain recomputed")
                verdict.count, verdict.head_hash = count, head
                return verdict
            verdict.checkpoints_checked += 1
            next_anchor += 1
    verdict.count, verdict.head_hash = count, head
    beyond = [a for a in anchors[next_anchor:] if a.count > count]
    if beyond:
        verdict.finding = Finding(
            "deleted", count + 1, None,
            f"entries {count + 1} to {beyond[-1].count} were deleted: a checkpoint taken "
            f"{beyond[-1].taken_at or 'earlier'} counted {beyond[-1].count}, the trail ends at "
            f"{count}")
    elif recorded_count is not None and recorded_count > count:
        verdict.finding = Finding(
            "deleted", count + 1, None,
            f"entries {count + 1} to {recorded_count} were deleted from the end: the trail's "
            f"head records {recorded_count} entries, {count} remain")
    elif recorded_count is not None and recorded_count < count:
        extra = list(rows())[recorded_count]
        verdict.finding = Finding(
            "inserted", extra.seq, extra.event_id,
            f"entry at seq {extra.seq} (event {extra.event_id}) was inserted: the trail's head "
            f"records {recorded_count} entries, {count} are present")
    return verdict


def diagnose(trust_id: str, links: list[Link], index: int, recorded_count: int | None) -> Finding:
    """Name the first bad entry (at `index` in storage order) and say what was done to it."""
    link = links[index]
    expected_prev = links[index - 1].hash if index else genesis(trust_id)
    following = links[index + 1] if index + 1 < len(links) else None
    where = f"entry at seq {link.seq} (event {link.event_id})"
    if entry_hash(link.prev_hash, link.header) != link.hash:
        if following is not None and following.prev_hash == expected_prev:
            return Finding("inserted", link.seq, link.event_id,
                           f"{where} was inserted: the entries either side of it link directly")
        if following is None and recorded_count is not None and index >= recorded_count:
            return Finding("inserted", link.seq, link.event_id,
                           f"{where} was inserted after the recorded head")
        return Finding("edited", link.seq, link.event_id,
                       f"{where} was edited: its content no longer matches its hash")
    position = {candidate.hash: at for at, candidate in enumerate(links)}
    before = position.get(link.prev_hash)
    if before is not None and before >= index:
        after = links[before]
        return Finding("reordered", link.seq, link.event_id,
                       f"{where} is out of order: the chain puts it after seq {after.seq} "
                       f"(event {after.event_id})")
    if before is not None and before < index - 1:
        intruder = links[before + 1]
        return Finding("inserted", intruder.seq, intruder.event_id,
                       f"entry at seq {intruder.seq} (event {intruder.event_id}) was inserted: "
                       f"seq {link.seq} links to seq {links[before].seq} before it")
    if following is not None and following.prev_hash == expected_prev:
        return Finding("inserted", link.seq, link.event_id,
                       f"{where} was inserted: the entries either side of it link directly")
    previous = links[index - 1] if index else None
    if previous is not None and previous.seq + 1 == link.seq:
        return Finding("edited", previous.seq, previous.event_id,
                       f"entry at seq {previous.seq} (event {previous.event_id}) was edited and "
                       f"re-hashed: seq {link.seq} no longer links to it")
    missing = previous.seq + 1 if previous else 1
    return Finding("deleted", missing, None,
                   f"the entry at seq {missing} was deleted: {where} links to an entry that is "
                   "no longer in the trail")
