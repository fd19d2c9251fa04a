"""Benchmark: reading a trail whose personal fields are sealed, and the retention run over it.

    .venv/bin/python tests/benchmarks/sealed_trail.py --entries 100000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python tests/benchmarks/sealed_trail.py --entries 100000

Loads N entries (visits of ten events, one household each, personal fields sealed as the
services seal them), then reads the whole trail twice in the same run: decrypting each stored
payload (the read without sealing), and the same read with every sealed field opened, from a key
store opened fresh (nothing cached). Prints entries/s of both and the ratio. Then the retention
run shreds every household, with progress, and the chain is verified.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records import retention
from services.records.application import RecordsApplication
from services.records.bootstrap import trail_cipher
from services.records.settings import RecordsSettings
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.records.stories import TRUST, visit_story


def load(app: RecordsApplication, settings: DoorstepSettings, entries: int) -> float:
    sealer = sealer_for(settings)
    started, batch = time.perf_counter(), []
    for index in range(entries // 10):
        batch += visit_story(household=f"hh-{index}", sealer=sealer)
        if len(batch) >= 1000:
            app.record_many(batch)
            batch = []
    if batch:
        app.record_many(batch)
    return time.perf_counter() - started


def read_rate(trail: Trail, open_fields: bool, settings: DoorstepSettings) -> tuple[int, float]:
    sealer = sealer_for(settings, fresh=True)
    started, count = time.perf_counter(), 0
    for row in trail.rows(TRUST):
        event = json.loads(trail.cipher.decrypt(row.sealed))["event"]
        if open_fields:
            sealer.unsealed(event)
        count += 1
    return count, count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        suffix = f"_bench{os.getpid()}"
        settings = DoorstepSettings(environment="test", data_dir=Path(folder),
                                    database_url=os.environ.get("DATABASE_URL"),
                                    schema_suffix=suffix)
        store = "PostgreSQL" if settings.database_url else "SQLite"
        trail = Trail(trail_engine(settings), trail_cipher(settings))
        app = RecordsApplication(store_env(settings, "records"), trail=trail,
                                 sealer=sealer_for(settings), settings=RecordsSettings())
        took = load(app, settings, args.entries)
        print(f"{store}: loaded {args.entries} entries ({args.entries // 10} households, "
              f"personal fields sealed) in {took:.1f} s")
        count, plain = read_rate(trail, False, settings)
        _, unsealed = read_rate(trail, True, settings)
        print(f"read without unsealing : {plain:10.0f} entries/s ({count} entries)")
        print(f"read, every field open : {unsealed:10.0f} entries/s")
        print(f"ratio                  : {unsealed / plain:10.2f}")

        def progress(done: int, total: int) -> None:
            if done % max(1, total // 20) == 0 or done == total:
                print(f"  retention: shredded {done}/{total} households", flush=True)

        started = time.perf_counter()
        done = retention.run(app, date(2100, 1, 1), progress=progress)
        seconds = time.perf_counter() - started
        print(f"retention run: {len(done)} households shredded in {seconds:.1f} s "
              f"({len(done) / seconds:.0f}/s)")
        verdict = trail.verify(TRUST)
        print(f"verify after shredding: {'intact' if verdict.intact else 'NOT INTACT'}, "
              f"{verdict.count} entries")
        if settings.database_url:
            import psycopg

            with psycopg.connect(settings.database_url, autocommit=True) as connection:
                for service in ("records", "keys"):
                    connection.execute(f'DROP SCHEMA IF EXISTS "{service}{suffix}" CASCADE')


if __name__ == "__main__":
    main()
