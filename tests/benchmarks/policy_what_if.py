"""Benchmark: what-if over 50,000 recorded decisions, next to a plain read of the same events.

    .venv/bin/python tests/benchmarks/policy_what_if.py [--decisions 50000] [--postgres URL]

Records N decisions of one school (Ordsall, pack version 1) in the authorisation store: a third
lone visits refused, the rest pair visits authorised, each with the facts it was judged on. Then,
in the same run: a plain read of those events from the store's notification log (the same pages,
each event decoded), and the what-if of a draft version 2 over the same events. Target: the
what-if under 10 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import AssignmentIn
from services.authorisation.domain import VisitCase
from services.authorisation.domain.replay import facts_record
from services.authorisation.domain.rules import broken_rules
from services.authorisation.schools import SERVICE_ACTOR
from services.authorisation.what_if import PAGE, TOPICS
from shared.contracts import Actor, Role
from shared.contracts.meta import command_meta
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.authorisation.conftest import TRUST, URN
from tests.authorisation.ordsall_change import changed_pack, changed_policy_text
from tests.authorisation.scenarios import LONE, facts

DSL = Actor(id="dsl-1", role=Role.DSL)
BATCH = 400  # cases per save: two events each, under the ~1,000 a PostgreSQL save takes well


def record_decisions(app: AuthorisationApp, n: int) -> None:
    pack = app.in_force(URN)
    under = {"policy_pack": pack.label, "pack_name": pack.pack.name,
             "pack_version": pack.version}
    meta = command_meta(trust_id=TRUST, school_urn=URN, actor=DSL, correlation_id=uuid4(),
                        causation_id=None)
    request = {"trust_id": TRUST, "school_urn": URN, "household_id": "hh", "staff_ids": ["s1"]}
    lone = facts(**{**LONE, "lone_visit_approved": False})
    pair = facts()
    batch = []
    for i in range(n):
        visit = uuid4()
        case = VisitCase(visit_id=visit, request=request, source_event_id=str(uuid4()), meta=meta)
        judged = dataclasses.replace(lone if i % 3 == 0 else pair, authoriser_id=f"dsl-{i % 7}")
        broken = [b.as_dict() for b in broken_rules(judged, pack.pack)]
        if broken:
            case.refuse(attempted_by=DSL.id, broken_rules=broken, facts=facts_record(judged),
                        meta=meta, **under)
        else:
            case.authorise(authorised_by=DSL.id, conditions={}, risk_score=3, assessment_id=None,
                           facts=facts_record(judged), meta=meta, **under)
        batch.append(case)
        if len(batch) == BATCH:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)


def plain_read(app: AuthorisationApp) -> int:
    """Every decision event, page by page from the notification log, decoded; nothing else."""
    count, position = 0, None
    while True:
        page = app.recorder.select_notifications(position, PAGE, topics=TOPICS,
                                                 inclusive_of_start=position is None)
        for notification in page:
            app.mapper.to_domain_event(notification)
            count += 1
        if len(page) < PAGE:
            return count
        position = page[-1].id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = DoorstepSettings(environment="test", data_dir=Path(folder),
                                    database_url=args.postgres,
                                    schema_suffix=f"_bench{uuid4().hex[:6]}")
        app = AuthorisationApp(env=store_env(settings, "authorisation"),
                               sealer=sealer_for(settings))
        app.seed_code_packs(SERVICE_ACTOR)
        app.assign_pack(URN, AssignmentIn(pack="ordsall-primary"), DSL, TRUST)
        app.draft_pack("ordsall.yaml", changed_pack(), changed_policy_text(), DSL, TRUST)
        started = time.perf_counter()
        record_decisions(app, args.decisions)
        print(f"recorded {args.decisions:,} decisions on "
              f"{'PostgreSQL' if args.postgres else 'SQLite'} in "
              f"{time.perf_counter() - started:.1f}s")

        started, cpu = time.perf_counter(), time.process_time()
        read = plain_read(app)
        plain, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
        end = date.today() + timedelta(days=1)
        started, cpu = time.perf_counter(), time.process_time()
        report = app.what_if("ordsall-primary", 2, TRUST, end - timedelta(days=91), end,
                             school_urn=URN)
        what_if, what_if_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"plain read of the same events: {read:,} in {plain:.2f}s "
              f"(CPU {plain_cpu:.2f}s; {read / plain:,.0f}/s)")
        print(f"what-if under ordsall-primary v2: {report.replayed:,} replayed, "
              f"{len(report.changed):,} would change, in {what_if:.2f}s "
              f"(CPU {what_if_cpu:.2f}s; {what_if / plain:.1f}x the plain read)")
        print(f"target: what-if under 10 s: {'met' if what_if < 10 else 'NOT met'}")
        app.close()


if __name__ == "__main__":
    main()
