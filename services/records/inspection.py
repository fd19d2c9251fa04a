"""The inspection pack: for one school and a period, every visit, assessment, decision (with its
rule citations and pack version), escalation with its timings, incident and concern, as NDJSON,
a printable HTML summary, and the stretch of the trust's hash chain that proves them, so that
the folder verifies offline (`doorstep audit verify --file PACK/chain.ndjson`).

The chain is the trust's: it interleaves the trust's other schools. Their entries are in the
proof only as their place in the chain (seq, previous hash, hash), never their content; the
school's own entries are whole. A changed byte in an entry of the school changes its hash, and
the chain no longer reaches the head hash the pack (and the trail's checkpoints) record.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.records.chain import (
    HEADER_FIELDS,
    Checkpoint,
    Finding,
    Verdict,
    canonical,
    digest,
    entry_hash,
    header_of,
)

FORMAT = "doorstep-inspection-pack/1"
KINDS: dict[str, tuple[str, ...]] = {
    "visits": ("VisitRequested", "Departed", "Arrived", "CheckedIn", "LeftProperty", "Returned",
               "NoOneHome", "VisitCancelled", "DuressRaised", "VisitWrittenUp"),
    "assessments": ("RiskAssessed",),
    "decisions": ("VisitAuthorised", "VisitDeclined"),
    "escalations": ("CheckInMissed", "ReturnOverdue", "ArrivalOverdue", "EscalationRaised",
                    "EscalationAcknowledged", "EscalationResolved", "NotificationAttempted",
                    "NotificationDelivered", "NotificationFailed"),
    "incidents": ("IncidentReported", "IncidentShared", "IncidentReportOverdue"),
    "concerns": ("SafeguardingConcernRaised", "SafeguardingConcernReceived"),
}
NAMING = ("SchoolOnboarded", "SchoolChanged")
KIND_OF = {event_type: kind for kind, types in KINDS.items() for event_type in types}


@dataclass
class Pack:
    """What goes in the folder, gathered from one pass over the trust's chain."""

    trust_id: str
    school_urn: str
    start: str  # fixed-width UTC text, inclusive
    end: str  # exclusive
    chain: list[dict[str, Any]] = field(default_factory=list)
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    prev_hash: str = ""
    head_hash: str = ""
    school_name: str = ""

    def header(self) -> dict[str, Any]:
        return {"format": FORMAT, "trust_id": self.trust_id, "school_urn": self.school_urn,
                "from": self.start, "to": self.end, "prev_hash": self.prev_hash,
                "first_seq": self.chain[0]["seq"] if self.chain else None,
                "length": len(self.chain), "head_hash": self.head_hash,
                "counts": {kind: len(rows) for kind, rows in self.entries.items()}}


def gather(rows: Iterator[Any], decrypt: Any, trust_id: str, school_urn: str, start: str,
           end: str) -> Pack:
    """The chain from the school's first entry in the period to its last, its own entries whole."""
    pack = Pack(trust_id, school_urn, start, end)
    pending: list[dict[str, Any]] = []  # other schools' links after the school's last one so far
    for row in rows:
        if row.school_urn == school_urn and row.event_type in NAMING:
            details = json.loads(decrypt(row.sealed))["event"].get("details") or {}
            pack.school_name = str(details.get("name") or pack.school_name)
        ours = row.school_urn == school_urn and start <= row.occurred_at < end
        if not ours:
            if pack.chain:
                pending.append({"seq": row.seq, "prev_hash": row.prev_hash, "hash": row.hash})
            continue
        if not pack.chain:
            pack.prev_hash = row.prev_hash
        pack.chain.extend(pending)
        pending = []
        fields = {name: row._mapping[name] for name in HEADER_FIELDS}
        body = json.loads(decrypt(row.sealed))
        entry = {"seq": row.seq, **fields, "prev_hash": row.prev_hash, "hash": row.hash,
                 "body": body}
        pack.chain.append(entry)
        pack.head_hash = row.hash
        kind = KIND_OF.get(row.event_type)
        if kind is not None:
            pack.entries[kind].append(entry)
    return pack


def write(pack: Pack, folder: Path, summary_html: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "chain.ndjson"]
    with written[0].open("w", encoding="utf-8") as out:
        out.write(json.dumps(pack.header()) + "\n")
        for link in pack.chain:
            out.write(json.dumps(link, ensure_ascii=False) + "\n")
    for kind, rows in pack.entries.items():
        path = folder / f"{kind}.ndjson"
        with path.open("w", encoding="utf-8") as out:
            for entry in rows:
                out.write(json.dumps({"seq": entry["seq"], "event_id": entry["event_id"],
                                      "event_type": entry["event_type"],
                                      "occurred_at": entry["occurred_at"],
                                      "visit_id": entry["visit_id"] or None,
                                      "payload_digest": entry["payload_digest"],
                                      "body": entry["body"]}, ensure_ascii=False) + "\n")
        written.append(path)
    (folder / "summary.html").write_text(summary_html, encoding="utf-8")
    written.append(folder / "summary.html")
    return written


def is_pack(path: Path) -> bool:
    with path.open(encoding="utf-8") as lines:
        first = lines.readline()
    try:
        return bool(json.loads(first).get("format") == FORMAT)
    except (ValueError, AttributeError):
        return False


def verify_pack(chain_file: Path, checkpoints: Iterable[Checkpoint] = ()) -> Verdict:
    """The pack's chain from its first link to its head, each of the school's entries re-hashed
    from its fields and its event; then every NDJSON view beside it against the chain."""
    lines = chain_file.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    verdict = Verdict(trust_id=header["trust_id"])
    anchors = {c.count: c for c in checkpoints if c.trust_id == header["trust_id"]}
    head, count, by_event = header["prev_hash"], 0, {}
    for line in lines[1:]:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            return _broken(verdict, "edited", None, None, f"line {count + 2} of "
                           f"{chain_file.name} is no longer JSON: it was edited", count, head)
        seq, event = entry.get("seq"), entry.get("event_id")
        where = f"entry at seq {seq}" + (f" (event {event})" if event else "")
        if entry.get("prev_hash") != head:
            return _broken(verdict, "edited", seq, event, f"{where} does not follow the one "
                           "before it: entries were removed, reordered or re-hashed", count, head)
        if "body" in entry:
            fields = [str(entry.get(name, "")) for name in HEADER_FIELDS]
            if digest(canonical(entry["body"])) != entry.get("payload_digest"):
                return _broken(verdict, "edited", seq, event, f"{where} was edited: its event "
                               "no longer matches its digest", count, head)
            if entry_hash(entry["prev_hash"], header_of(fields)) != entry.get("hash"):
                return _broken(verdict, "edited", seq, event, f"{where} was edited: its content "
                               "no longer matches its hash", count, head)
            by_event[event] = entry["payload_digest"]
        head, count = str(entry.get("hash")), count + 1
        anchor = anchors.get(int(seq or 0))
        if anchor is not None:
            if anchor.head_hash != head:
                return _broken(verdict, "checkpoint", seq, event, f"the chain at seq {seq} does "
                               f"not match the checkpoint taken {anchor.taken_at or 'earlier'}: "
                               "entries at or before it were changed and re-hashed", count, head)
            verdict.checkpoints_checked += 1
    if count != header["length"] or head != header["head_hash"]:
        return _broken(verdict, "deleted", None, None, f"the pack's chain has {count} links "
                       f"ending at {head[:16]}...; its header records {header['length']} ending "
                       f"at {str(header['head_hash'])[:16]}...", count, head)
    verdict.count, verdict.head_hash = count, head
    for kind in KINDS:
        view = chain_file.parent / f"{kind}.ndjson"
        finding = _view_finding(view, by_event) if view.exists() else None
        if finding is not None:
            verdict.finding = finding
            return verdict
    verdict.notes.append(f"school {header['school_urn']}, {header['from']} to {header['to']}: "
                         f"{len(by_event)} entries whole, {count - len(by_event)} of the trust's "
                         "other schools as links only; compare the head hash with a checkpoint "
                         "kept outside (doorstep audit checkpoints)")
    return verdict


def _view_finding(view: Path, proved: dict[str, str]) -> Finding | None:
    for number, line in enumerate(view.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            return Finding("edited", None, None, f"{view.name} line {number} is no longer JSON: "
                           "it was edited")
        event, seq = entry.get("event_id"), entry.get("seq")
        if proved.get(event) is None or digest(canonical(entry.get("body"))) != proved[event]:
            return Finding("edited", seq, event, f"{view.name} line {number}, entry at seq {seq} "
                           f"(event {event}), was edited: it is not the event the chain holds")
    return None


def _broken(verdict: Verdict, kind: str, seq: Any, event: Any, message: str, count: int,
            head: str) -> Verdict:
    verdict.finding = Finding(kind, seq, event, message)
    verdict.count, verdict.head_hash = count, head
    return verdict


def zipped(folder: Path) -> Path:
    """The folder as one zip beside it, for sending."""
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.iterdir()):
            out.write(path, f"{folder.name}/{path.name}")
    return archive
