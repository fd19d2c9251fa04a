"""Benchmark: the trust page for a 50-school trust against a one-school trust, in one run.

    .venv/bin/python tests/benchmarks/trust_dashboard.py [--schools 50] [--loads 20]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

Starts a nats-server and the authorisation, records and web processes, gives both trusts a year
of history in records' read models (every school: a day's activity for each of 365 days, open incidents and
concerns), then loads `/trust` as each trust's auditor `--loads` times and prints the p95 of
each and their ratio. Target: the big trust's page in no more than 3 times the small one's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import yaml
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records import projections
from services.records.tables import trail_engine
from services.web.session import COOKIE, Session, Sessions, new_csrf
from services.web.settings import DEV_SESSION_SECRET
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token

BIG, SMALL = "big-trust", "small-trust"


def schools_file(folder: Path, schools: int) -> Path:
    big = [{"urn": f"{700000 + n:06d}", "name": f"School {n:02d}"} for n in range(schools)]
    path = folder / "schools.yaml"
    path.write_text(yaml.safe_dump({"trusts": {BIG: big, SMALL: [{"urn": "699999",
                                                                  "name": "School One"}]}}))
    return path


def a_year_of_history(settings: DoorstepSettings, trusts: dict[str, list[str]]) -> int:
    """What a year leaves in records' read models: a row a school a day, a few open items."""
    engine, rows = trail_engine(settings), 0
    projections.metadata.create_all(engine)
    today = date.today()
    with engine.begin() as conn:
        for trust, urns in trusts.items():
            activity = [{"trust_id": trust, "school_urn": urn,
                         "day": (today - timedelta(days=n)).isoformat(), "visits": 3,
                         "escalations": n % 7 == 0} for urn in urns for n in range(365)]
            incidents = [{"trust_id": trust, "incident_id": str(uuid4()), "school_urn": urn,
                          "visit_id": str(uuid4()), "reported_at": "2026-11-01T10:00:00Z",
                          "share_by": "2026-11-02T10:00:00Z", "overdue": False}
                         for urn in urns for _ in range(2)]
            concerns = [{"trust_id": trust, "concern_id": str(uuid4()), "school_urn": urn,
                         "visit_id": str(uuid4()), "raised_at": "2026-11-01T10:00:00Z",
                         "immediate_risk": False, "police_must_be_called": False}
                        for urn in urns for _ in range(2)]
            conn.execute(insert(projections.daily_activity), activity)
            conn.execute(insert(projections.incidents_awaiting_sharing), incidents)
            conn.execute(insert(projections.concerns_awaiting_dsl), concerns)
            rows += len(activity) + len(incidents) + len(concerns)
    engine.dispose()
    return rows


def cookie_for(settings: DoorstepSettings, trust: str) -> str:
    token = mint_token(settings, user=f"auditor-{trust}", role="auditor", schools=[], trust=trust)
    session = Session(token=token, user=f"auditor-{trust}", role="auditor", trust=trust,
                      schools=[], csrf=new_csrf())
    return Sessions(DEV_SESSION_SECRET, 1).dump(session)


async def p95s_of_loads(web: str, cookies: dict[int, str], loads: int) -> dict[int, tuple[float, float]]:
    """The p95 of `loads` loads of each trust's page (by its number of schools), in turn, so
    that whatever else the machine does falls on both alike."""
    clients = {schools: httpx.AsyncClient(base_url=web, cookies={COOKIE: cookie}, timeout=60)
               for schools, cookie in cookies.items()}
    took: dict[int, list[float]] = {schools: [] for schools in clients}
    try:
        for schools, client in clients.items():
            first = await client.get("/trust")
            assert first.status_code == 200, first.text[:500]
            assert first.text.count('<th scope="row">School ') >= schools, "not every school"
            assert "?" not in first.text.split("<h2>")[0], "records did not answer"
        for _ in range(loads):
            for schools, client in clients.items():
                began = time.perf_counter()
                answer = await client.get("/trust")
                took[schools].append(time.perf_counter() - began)
                assert answer.status_code == 200
    finally:
        for client in clients.values():
            await client.aclose()
    return {schools: (statistics.median(times) * 1000, statistics.quantiles(times, n=20)[-1] * 1000)
            for schools, times in took.items()}


async def run(args: argparse.Namespace, folder: Path) -> None:
    server = start_nats_server(folder / "nats")
    tag = uuid4().hex[:8]
    settings = DoorstepSettings(nats_url=server.url, stream_name=f"BENCH_{tag}",
                                subject_root=f"bench{tag}", data_dir=folder / "data",
                                schema_suffix=f"_bench{tag}", database_url=args.database_url,
                                schools_file=schools_file(folder, args.schools))
    env = {f"DOORSTEP_{name.upper()}": str(value) for name, value in {
        "nats_url": server.url, "stream_name": settings.stream_name,
        "subject_root": settings.subject_root, "data_dir": settings.data_dir,
        "schema_suffix": settings.schema_suffix, "schools_file": settings.schools_file,
        "database_url": args.database_url}.items() if value}
    cluster = Cluster.build(service_env(env), folder / "logs", names=("authorisation", "records", "web"))
    try:
        cluster.start()
        rows = a_year_of_history(settings, {
            BIG: [f"{700000 + n:06d}" for n in range(args.schools)], SMALL: ["699999"]})
        web = cluster.processes["web"].url
        p95 = await p95s_of_loads(web, {1: cookie_for(settings, SMALL),
                                        args.schools: cookie_for(settings, BIG)}, args.loads)
        small, big = p95[1], p95[args.schools]
    finally:
        cluster.stop()
        server.stop()
    store = "PostgreSQL" if args.database_url else "SQLite"
    print(f"trust page on {store}, {rows:,} read-model rows (a year), {args.loads} loads each:")
    print(f"  {'':18} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"  {'one-school trust':18} {small[0]:8.1f} {small[1]:8.1f}")
    print(f"  {f'{args.schools}-school trust':18} {big[0]:8.1f} {big[1]:8.1f}")
    ratio = big[1] / small[1]
    print(f"  p95 ratio {ratio:.2f} (target <= 3.00: {'met' if ratio <= 3 else 'NOT met'}); "
          f"p50 ratio {big[0] / small[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
