"""Exports an auditor can keep: NDJSON that verifies on its own, and a printable chronology."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.records.chain import (
    HEADER_FIELDS,
    Checkpoint,
    Link,
    Verdict,
    canonical,
    digest,
    header_of,
    timestamp,
    verify_chain,
)
from services.records.trail import Trail

FORMAT = "doorstep-audit-export/1"
Progress = Callable[[int, int], None]


def export_trust(trail: Trail, trust_id: str, progress: Progress | None = None) -> Iterator[str]:
    """A trust's whole trail as NDJSON lines: a header, then every entry with its event."""
    length, head = trail.head(trust_id)
    checkpoints = [c.__dict__ for c in trail.checkpoints(trust_id)]
    yield json.dumps({"format": FORMAT, "trust_id": trust_id, "length": length,
                      "head_hash": head, "exported_at": timestamp(datetime.now(UTC)),
                      "checkpoints": checkpoints})
    for done, row in enumerate(trail.rows(trust_id), start=1):
        fields = {name: row._mapping[name] for name in HEADER_FIELDS}
        body = json.loads(trail.cipher.decrypt(row.sealed))
        yield json.dumps({"seq": row.seq, **fields, "prev_hash": row.prev_hash,
                          "hash": row.hash, "body": body}, ensure_ascii=False)
        if progress and (done % 1000 == 0 or done == length):
            progress(done, length)


def write_lines(lines: Iterable[str], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")


def _links(path: Path) -> Iterator[Link]:
    with path.open(encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            if not line.strip():
                continue
            entry = json.loads(line)
            fields = [str(entry.get(name, "")) for name in HEADER_FIELDS]
            if digest(canonical(entry.get("body"))) != entry.get("payload_digest"):
                fields[HEADER_FIELDS.index("payload_digest")] = "event changed"
            yield Link(int(entry.get("seq", 0)), str(entry.get("event_id", "")),
                       str(entry.get("prev_hash", "")), str(entry.get("hash", "")),
                       header_of(fields))


def verify_file(path: Path, extra: Iterable[Checkpoint] = ()) -> Verdict:
    """Verify an NDJSON export alone: no database, no key; checkpoints from it and from outside."""
    with path.open(encoding="utf-8") as lines:
        header = json.loads(next(lines))
    if header.get("format") != FORMAT:
        raise ValueError(f"{path} is not a Doorstep audit export (format {header.get('format')})")
    trust = header["trust_id"]
    anchors = [Checkpoint(**c) for c in header.get("checkpoints", [])]
    anchors += [c for c in extra if c.trust_id == trust]
    return verify_chain(trust, lambda: _links(path), checkpoints=anchors,
                        recorded_count=int(header["length"]))


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints an auditor kept: JSON lines of trust_id, count, head_hash, taken_at."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            found.append(Checkpoint(data["trust_id"], int(data.get("count", data.get("length"))),
                                    data["head_hash"], data.get("taken_at", "")))
    return found


def chronology_html(title: str, entries: list[dict[str, Any]]) -> str:
    """A printable chronology: one row per event, corrections shown beside what they correct."""
    rows = []
    for entry in entries:
        payload = ", ".join(f"{k}: {v}" for k, v in entry["payload"].items() if v not in ("", None))
        notes = []
        if entry.get("corrects"):
            notes.append(f"corrects {entry['corrects']}")
        if entry.get("corrected_by"):
            notes.append("corrected by " + ", ".join(entry["corrected_by"]))
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in (
            entry["seq"], entry["occurred_at"], entry["type"],
            f"{entry['actor']['id']} ({entry['actor']['role']})", entry["school_urn"],
            payload, "; ".join(notes), entry["event_id"])) + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in (
        "#", "when", "what", "who", "school", "details", "notes", "event id"))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;font-size:10pt}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:3px;vertical-align:top;text-align:left}"
        "@media print{tr{page-break-inside:avoid}}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{len(entries)} events, printed "
        f"{html.escape(timestamp(datetime.now(UTC)))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>")
