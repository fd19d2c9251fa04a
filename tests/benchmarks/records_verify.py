"""Benchmark: replay and verify N audit entries on PostgreSQL, next to a raw read of the same rows.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python tests/benchmarks/records_verify.py --entries 1000000

Prints the load time, the raw sequential read rate (the same columns, the same streamed query,
rows consumed and dropped) and the verify rate (the same read plus the sealed-payload digest,
header and chain hash of every entry, head and checkpoint checks). Target: verify >= raw / 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import psycopg
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records import tables
from services.records.bootstrap import trail_cipher
from services.records.chain import (
    HEADER_FIELDS,
    Checkpoint,
    canonical,
    digest,
    entry_hash,
    genesis,
    header_of,
    timestamp,
)
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings

TRUST = "bench-trust"


def load(trail: Trail, url: str, schema: str, count: int) -> None:
    cipher = trail.cipher
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    columns = ["trust_id", "seq", *[n for n in HEADER_FIELDS if n != "trust_id"], "sealed",
               "prev_hash", "hash"]
    head, visit, correlation = genesis(TRUST), str(uuid4()), str(uuid4())
    checkpoint_every = 100_000
    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        with conn.cursor() as cursor, cursor.copy(
                f"COPY audit_entries ({', '.join(columns)}) FROM STDIN") as copy:
            for seq in range(1, count + 1):
                if seq % 10 == 1:
                    visit, correlation = str(uuid4()), str(uuid4())
                moment = start + timedelta(seconds=seq)
                event_id = str(uuid4())
                event = {"event_id": event_id, "schema_version": 1,
                         "occurred_at": moment.isoformat(), "trust_id": TRUST,
                         "school_urn": "123456", "visit_id": visit,
                         "actor": {"id": "staff-0001", "role": "staff"},
                         "correlation_id": correlation, "causation_id": None,
                         "sequence": seq % 10 + 1, "note": "checked in, all well at the address"}
                plain = canonical({"type": "CheckedIn", "event": event})
                sealed = cipher.encrypt(plain)
                fields = {"event_id": event_id, "event_type": "CheckedIn", "schema_version": "1",
                          "occurred_at": timestamp(moment), "recorded_at": timestamp(moment),
                          "trust_id": TRUST, "school_urn": "123456", "visit_id": visit,
                          "actor_id": "staff-0001", "actor_role": "staff",
                          "correlation_id": correlation, "causation_id": "",
                          "refs": "staff:staff-0001", "corrects": "",
                          "payload_digest": digest(plain), "sealed_digest": digest(sealed)}
                hashed = entry_hash(head, header_of([fields[n] for n in HEADER_FIELDS]))
                copy.write_row([TRUST, seq, *[fields[n] for n in HEADER_FIELDS
                                              if n != "trust_id"], sealed, head, hashed])
                head = hashed
                if seq % checkpoint_every == 0:
                    trail.add_checkpoint(Checkpoint(TRUST, seq, head, timestamp(moment)))
                if seq % 100_000 == 0:
                    print(f"\r  loaded {seq:,}", end="", file=sys.stderr, flush=True)
        conn.execute("INSERT INTO audit_heads (trust_id, length, head_hash) VALUES (%s, %s, %s)",
                     (TRUST, count, head))
        conn.commit()
        conn.execute("ANALYZE audit_entries")
    print(file=sys.stderr)


def raw_read(trail: Trail) -> int:
    """The same columns and streamed query verification uses; each row fetched and dropped."""
    t = tables.entries
    columns = [t.c.seq, t.c.event_id, t.c.prev_hash, t.c.hash, t.c.sealed,
               *[t.c[name] for name in HEADER_FIELDS]]
    rows = 0
    with trail.engine.connect() as conn:
        result = conn.execution_options(yield_per=10_000).execute(
            select(*columns).where(t.c.trust_id == TRUST).order_by(t.c.seq))
        for _ in result:
            rows += 1
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or os.environ.get("DOORSTEP_DATABASE_URL")
    if not url:
        print("set DATABASE_URL to a PostgreSQL database", file=sys.stderr)
        return 2
    tag = uuid4().hex[:8]
    settings = DoorstepSettings(database_url=url, schema_suffix=f"_bench_{tag}",
                                data_dir=Path(f"/tmp/doorstep-bench-{tag}"))
    schema = settings.schema_for("records")
    trail = Trail(tables.trail_engine(settings), trail_cipher(settings))
    try:
        began = time.perf_counter()
        load(trail, url, schema, args.entries)
        loaded = time.perf_counter() - began
        print(f"loaded {args.entries:,} entries in {loaded:.1f} s "
              f"({args.entries / loaded:,.0f}/s, hashing and sealing each)")
        for attempt in (1, 2):  # the second pass reads a warm cache, as the first may not
            began = time.perf_counter()
            rows = raw_read(trail)
            raw = time.perf_counter() - began
            began = time.perf_counter()
            verdict = trail.verify(TRUST)
            checked = time.perf_counter() - began
            assert rows == args.entries, rows
            if not verdict.intact or verdict.count != args.entries:
                raise SystemExit(f"verify failed: {verdict.as_dict()}")
            raw_rate, verify_rate = rows / raw, verdict.count / checked
            print(f"pass {attempt}: raw sequential read {raw_rate:,.0f} rows/s ({raw:.1f} s); "
                  f"replay+verify {verify_rate:,.0f} entries/s ({checked:.1f} s), "
                  f"{verdict.checkpoints_checked} checkpoints matched; "
                  f"verify/raw = {verify_rate / raw_rate:.2f} (target >= 0.50)")
    finally:
        trail.engine.dispose()
        if not args.keep:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
