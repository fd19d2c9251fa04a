"""Benchmark (prints figures, asserts nothing): rule evaluation, and whole decisions on SQLite.

Run: .venv/bin/python -m tests.benchmarks.authorisation_decisions
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from uuid import uuid4

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import AssessmentIn, DecisionIn
from services.authorisation.domain.rules import broken_rules, conditions
from shared.contracts import Actor, Role
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.authorisation.conftest import URN, visit_requested
from tests.authorisation.scenarios import CATALOGUE, LONE, facts


def rules_per_second(n: int = 20_000) -> float:
    packs = list(CATALOGUE.packs.values())
    cases = [facts(), facts(**LONE), facts(announced=False)]
    started = time.perf_counter()
    for i in range(n):
        pack, case = packs[i % len(packs)], cases[i % len(cases)]
        broken_rules(case, pack)
        conditions(case, pack)
    return n / (time.perf_counter() - started)


def decisions_per_second(n: int = 300) -> float:
    dsl = Actor(id="dsl-1", role=Role.DSL)
    with tempfile.TemporaryDirectory() as folder:
        settings = DoorstepSettings(environment="test", data_dir=Path(folder))
        app = AuthorisationApp(env=store_env(settings, "authorisation"),
                               sealer=sealer_for(settings))
        visits = [visit_requested(household=f"hh-{i}") for i in range(n)]
        started = time.perf_counter()
        for visit in visits:
            assert visit.visit_id is not None
            app.record_request(visit)
            app.record_assessment(visit.visit_id, URN, AssessmentIn(kind="initial", score=3), dsl,
                                  uuid4())
            app.decide(visit.visit_id, URN, DecisionIn(decision="authorise"), dsl, uuid4())
        elapsed = time.perf_counter() - started
        app.close()
    return n / elapsed


if __name__ == "__main__":
    print(f"rule evaluation (broken rules + conditions): {rules_per_second():,.0f} decisions/s")
    print(f"request + assessment + decision on SQLite:   {decisions_per_second():,.0f} visits/s")
