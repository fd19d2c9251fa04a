"""Benchmark: back up and restore a PostgreSQL deployment whose trail holds N entries.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python tests/benchmarks/backup_restore.py --entries 1000000

Loads N sealed, hash-chained trail entries (as records_verify.py does), then times
`doorstep backup` (pg_dump of every schema in one snapshot, checksums, manifest) and
`doorstep restore` into a new, empty database (checksums, pg_restore, shred list, outbox reset),
then the restore's check of the trail (the whole chain verified, the manifest's head found).
Prints each figure and the rate per trail entry.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records import tables
from services.records.backup_cli import check_trail, trail_heads
from services.records.bootstrap import trail_cipher
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings
from shared.storage import backup
from shared.storage.keystore import open_key_store
from shared.storage.store import ensure_schema
from tests.benchmarks.records_verify import load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or os.environ.get("DOORSTEP_DATABASE_URL")
    if not url:
        print("set DATABASE_URL to a PostgreSQL database", file=sys.stderr)
        return 2
    tag = uuid4().hex[:8]
    work = Path(tempfile.mkdtemp(prefix=f"doorstep-bench-{tag}-"))
    settings = DoorstepSettings(database_url=url, schema_suffix=f"_bench_{tag}",
                                data_dir=work / "data", shred_list=work / "shred-list.jsonl")
    target = f"doorstep_bench_restore_{tag}"
    restored = settings.model_copy(update={
        "database_url": f"{url.rsplit('/', 1)[0]}/{target}", "data_dir": work / "restored"})
    try:
        for service in backup.STORES:
            ensure_schema(url, settings.schema_for(service))
        open_key_store(settings, fresh=True).engine.dispose()
        trail = Trail(tables.trail_engine(settings), trail_cipher(settings))
        began = time.perf_counter()
        load(trail, url, settings.schema_for("records"), args.entries)
        trail.engine.dispose()
        print(f"loaded {args.entries:,} trail entries in {time.perf_counter() - began:.1f} s")

        began = time.perf_counter()
        manifest = backup.take(settings, work / "backup", trail_heads, say=lambda _line: None)
        took = time.perf_counter() - began
        size = sum(item["bytes"] for item in manifest["files"])
        print(f"backup: {took:.1f} s ({args.entries / took:,.0f} entries/s), {size / 1e6:.0f} MB")

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{target}"')
        began = time.perf_counter()
        backup.restore(restored, work / "backup", say=lambda _line: None)
        put = time.perf_counter() - began
        began = time.perf_counter()
        problems = check_trail(restored, manifest["trail"])
        checked = time.perf_counter() - began
        if problems:
            raise SystemExit(f"restore check failed: {problems}")
        total = put + checked
        print(f"restore: {put:.1f} s into an empty database (checksums, pg_restore, shred list, "
              f"outbox reset); trail check (verify + head): {checked:.1f} s")
        print(f"restore of {args.entries:,} trail entries: {total:.1f} s in all, "
              f"{args.entries / total:,.0f} entries/s; for 1,000,000 entries: "
              f"{1_000_000 * total / args.entries:.0f} s"
              + ("" if args.entries == 1_000_000 else " (extrapolated)"))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            for service in (*backup.STORES, "keys"):
                conn.execute(f'DROP SCHEMA IF EXISTS "{settings.schema_for(service)}" CASCADE')
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
