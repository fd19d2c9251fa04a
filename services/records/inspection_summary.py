"""The inspection pack's printable summary: the school's record for the period, by kind, with
each decision's pack version and broken rules and each escalation's timings."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from services.records.chain import timestamp
from services.records.inspection import KINDS, Pack, gather, write

TITLES = {"visits": "Visits", "assessments": "Risk assessments",
          "decisions": "Decisions (with the policy pack version and the rules cited)",
          "escalations": "Escalations and their timings", "incidents": "Incidents",
          "concerns": "Safeguarding concerns"}
SHOWN = ("purpose", "kind", "score", "band", "authorised_by", "declined_by", "policy_pack", "level",
         "outcome", "reason", "description", "immediate_risk", "police_called", "shared_with",
         "status", "channel", "minutes_overdue")


def summary(pack: Pack, name: str, opened: Callable[[Any], Any]) -> str:
    """HTML to print; `opened` opens the sealed fields of an event for the reader."""
    parts = [f"<h1>Inspection pack: {html.escape(name)} ({pack.school_urn})</h1>",
             f"<p>From {_day(pack.start)} to {_day(pack.end)} (to, not including). "
             f"{sum(len(rows) for rows in pack.entries.values())} entries of the school; the "
             f"chain proof (chain.ndjson) has {len(pack.chain)} links ending at head hash "
             f"<code>{pack.head_hash}</code>. Verify offline: <code>doorstep audit verify --file "
             "chain.ndjson</code>, with the trust's checkpoints kept outside "
             "(<code>--checkpoints</code>).</p>"]
    for kind in KINDS:
        rows = pack.entries[kind]
        parts.append(f"<h2>{TITLES[kind]}: {len(rows)}</h2>")
        if kind == "escalations":
            parts.append(_timings(rows))
        parts.append(_table(rows, opened, with_rules=kind == "decisions"))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Inspection pack: {html.escape(name)}</title><style>"
            "body{font-family:sans-serif;font-size:10pt}table{border-collapse:collapse;width:100%;"
            "margin-bottom:1em}td,th{border:1px solid #999;padding:3px;vertical-align:top;"
            "text-align:left}@media print{tr{page-break-inside:avoid}}</style></head><body>"
            + "".join(parts) + "</body></html>")


def _table(rows: list[dict[str, Any]], opened: Callable[[Any], Any], with_rules: bool) -> str:
    if not rows:
        return "<p>None in the period.</p>"
    out = []
    for entry in rows:
        event = opened(entry["body"].get("event", {}))
        details = "; ".join(f"{key.replace('_', ' ')}: {event[key]}" for key in SHOWN
                            if event.get(key) not in (None, "", []))
        if with_rules and event.get("broken_rules"):
            details += "<ul>" + "".join(
                f"<li>{html.escape(str(r.get('rule')))}: {html.escape(str(r.get('message')))} "
                f"[{html.escape(str(r.get('citation')))}]</li>" for r in event["broken_rules"]
            ) + "</ul>"
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in (
            entry["seq"], _when(entry["occurred_at"]), html.escape(entry["event_type"]),
            html.escape(f"{entry['actor_id']} ({entry['actor_role']})"),
            html.escape(entry["visit_id"] or ""), details if with_rules else html.escape(details)
        )) + "</tr>")
    head = "".join(f"<th scope='col'>{h}</th>" for h in (
        "#", "when (UTC)", "what", "who", "visit", "details"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(out)}</tbody></table>"


def _timings(rows: list[dict[str, Any]]) -> str:
    """Per escalation: raised, acknowledged and resolved, with the minutes between."""
    by: dict[str, dict[str, str]] = {}
    for entry in rows:
        event = entry["body"].get("event", {})
        escalation = event.get("escalation_id")
        if not escalation:
            continue
        step = {"EscalationRaised": "raised", "EscalationAcknowledged": "acknowledged",
                "EscalationResolved": "resolved"}.get(entry["event_type"])
        if step is not None:
            by.setdefault(str(escalation), {}).setdefault(step, entry["occurred_at"])
    if not by:
        return ""
    out = []
    for escalation, steps in by.items():
        raised = steps.get("raised")
        cells = [html.escape(escalation), _when(raised)]
        for step in ("acknowledged", "resolved"):
            at = steps.get(step)
            cells.append(f"{_when(at)} ({_minutes(raised, at)})" if at else "not yet")
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th scope='col'>{h}</th>" for h in (
        "escalation", "raised", "acknowledged (after)", "resolved (after)"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(out)}</tbody></table>"


def _minutes(start: str | None, end: str | None) -> str:
    if not start or not end:
        return ""
    seconds = (_parse(end) - _parse(start)).total_seconds()
    return f"{seconds / 60:.1f} min"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _when(text: str | None) -> str:
    return html.escape(text[:19].replace("T", " ")) if text else ""


def _day(text: str) -> str:
    return html.escape(text[:10])


def build(rows: Iterator[Any], decrypt: Any, opened: Any, trust_id: str, school_urn: str,
          start: datetime, end: datetime, folder: Path) -> Pack:
    """Gather the school's period from the trust's chain and write the folder."""
    pack = gather(rows, decrypt, trust_id, school_urn, timestamp(start), timestamp(end))
    write(pack, folder, summary(pack, pack.school_name or f"School {school_urn}", opened))
    return pack
