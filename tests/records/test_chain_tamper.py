# ruff: noqa: S608 - these tests tamper with the store by SQL on purpose
"""Tampering with the stored trail, by SQL, is found by verify and the entry is named."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from services.records.chain import entry_hash
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings
from tests.records.conftest import MakeTrail
from tests.records.stories import TRUST, visit_story

TABLE = "audit_entries"


def filled(make_trail: MakeTrail, settings: DoorstepSettings, visits: int = 3) -> Trail:
    trail = make_trail(settings)
    for _ in range(visits):
        for event in visit_story():
            trail.append(event)
    return trail


def entry(trail: Trail, seq: int) -> dict[str, Any]:
    with trail.engine.connect() as conn:
        row = conn.execute(text(f"SELECT * FROM {TABLE} WHERE trust_id = :t AND seq = :s"),
                           {"t": TRUST, "s": seq}).mappings().one()
    return dict(row)


def sql(trail: Trail, *statements: str, **values: Any) -> None:
    with trail.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), values)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> DoorstepSettings:
    name = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    settings: DoorstepSettings = request.getfixturevalue(name)
    return settings


def test_a_clean_trail_verifies(make_trail: MakeTrail, store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    verdict = trail.verify(TRUST, deep=True)
    assert verdict.intact, verdict.finding
    assert verdict.count == 30


def test_an_update_is_found_and_the_entry_named(make_trail: MakeTrail,
                                                store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    victim = entry(trail, 12)
    sql(trail, f"UPDATE {TABLE} SET actor_id = 'someone-else' WHERE trust_id = :t AND seq = 12",
        t=TRUST)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.seq, finding.event_id) == ("edited", 12, victim["event_id"])


def test_a_changed_sealed_payload_is_found(make_trail: MakeTrail, store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    other = entry(trail, 5)
    sql(trail, f"UPDATE {TABLE} SET sealed = :s WHERE trust_id = :t AND seq = 4",
        s=other["sealed"], t=TRUST)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("edited", 4)


def test_a_delete_is_found_and_the_entry_named(make_trail: MakeTrail,
                                               store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    sql(trail, f"DELETE FROM {TABLE} WHERE trust_id = :t AND seq = 17", t=TRUST)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("deleted", 17), finding.message


def test_deleting_the_newest_entries_is_found(make_trail: MakeTrail,
                                              store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    sql(trail, f"DELETE FROM {TABLE} WHERE trust_id = :t AND seq >= 29", t=TRUST)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("deleted", 29), finding.message


def test_an_insert_in_the_middle_is_found_and_named(make_trail: MakeTrail,
                                                    store: DoorstepSettings) -> None:
    """The forger renumbers, then inserts a well-formed entry that links to its predecessor."""
    trail = filled(make_trail, store)
    model = entry(trail, 10)
    before = entry(trail, 9)
    sql(trail, f"UPDATE {TABLE} SET seq = -seq WHERE trust_id = :t AND seq >= 10",
        f"UPDATE {TABLE} SET seq = 1 - seq WHERE trust_id = :t AND seq < 0", t=TRUST)
    forged = {**model, "seq": 10, "event_id": "00000000-0000-4000-8000-000000000001",
              "prev_hash": before["hash"]}
    header = "\x1f".join(str(forged[name]) for name in _fields())
    forged["hash"] = entry_hash(before["hash"], header)
    columns = ", ".join(forged)
    sql(trail, f"INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(':' + c for c in forged)})",
        **forged)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.seq, finding.event_id) == (
        "inserted", 10, "00000000-0000-4000-8000-000000000001"), finding.message


def test_an_insert_at_the_end_is_found(make_trail: MakeTrail, store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    last = entry(trail, 30)
    forged = {**last, "seq": 31, "event_id": "00000000-0000-4000-8000-000000000002",
              "prev_hash": last["hash"]}
    forged["hash"] = entry_hash(last["hash"], "\x1f".join(str(forged[n]) for n in _fields()))
    sql(trail, f"INSERT INTO {TABLE} ({', '.join(forged)}) "
               f"VALUES ({', '.join(':' + c for c in forged)})", **forged)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.seq) == ("inserted", 31), finding.message


def test_a_swap_of_two_rows_is_found_as_reordered(make_trail: MakeTrail,
                                                  store: DoorstepSettings) -> None:
    trail = filled(make_trail, store)
    moved = entry(trail, 21)
    sql(trail, f"UPDATE {TABLE} SET seq = -1 WHERE trust_id = :t AND seq = 14",
        f"UPDATE {TABLE} SET seq = 14 WHERE trust_id = :t AND seq = 21",
        f"UPDATE {TABLE} SET seq = 21 WHERE trust_id = :t AND seq = -1", t=TRUST)
    finding = trail.verify(TRUST).finding
    assert finding is not None
    assert (finding.kind, finding.event_id) == ("reordered", moved["event_id"]), finding.message
    assert finding.seq == 14


def test_a_recomputed_chain_is_caught_by_a_checkpoint(make_trail: MakeTrail,
                                                      store: DoorstepSettings) -> None:
    from services.records.chain import Checkpoint

    trail = filled(make_trail, store)
    length, head = trail.head(TRUST)
    anchor = Checkpoint(TRUST, length, head, "held by the auditor")
    # rewrite entry 3 and re-hash everything after it, as a forger with SQL access could
    sql(trail, f"UPDATE {TABLE} SET actor_id = 'someone-else' WHERE trust_id = :t AND seq = 3",
        t=TRUST)
    prev = entry(trail, 2)["hash"]
    for seq in range(3, length + 1):
        row = entry(trail, seq)
        new = entry_hash(prev, "\x1f".join(str(row[n]) for n in _fields()))
        sql(trail, f"UPDATE {TABLE} SET prev_hash = :p, hash = :h WHERE trust_id = :t "
                   "AND seq = :s", p=prev, h=new, t=TRUST, s=seq)
        prev = new
    sql(trail, "UPDATE audit_heads SET head_hash = :h WHERE trust_id = :t", h=prev, t=TRUST)
    assert trail.verify(TRUST).intact  # without an outside anchor, nothing to compare with
    finding = trail.verify(TRUST, [anchor]).finding
    assert finding is not None
    assert finding.kind == "checkpoint"


def _fields() -> tuple[str, ...]:
    from services.records.chain import HEADER_FIELDS

    return HEADER_FIELDS
