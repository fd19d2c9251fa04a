"""The retention run: which households' records have passed their date, and shredding them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy import case, func, select

from services.records import tables
from services.records.application import RecordsApplication
from services.records.domain.retention import HouseholdRecord, Retention, retention_of
from services.records.settings import RecordsSettings
from services.records.trail import Trail
from shared.contracts import Actor, Role
from shared.storage.keystore import DataSubject

RETENTION_ACTOR = Actor(id="retention", role=Role.SYSTEM)
Progress = Callable[[int, int], None]


def household_records(trail: Trail, trust_id: str | None = None) -> Iterator[HouseholdRecord]:
    """Each household in the trail: its school, the date of its last entry, and whether any of
    its visits raised a safeguarding concern."""
    refs, entries = tables.refs, tables.entries
    visits = select(refs.c.trust_id, refs.c.ref, refs.c.visit_id).where(
        refs.c.ref.like("household:%"), refs.c.visit_id != "").distinct()
    if trust_id:
        visits = visits.where(refs.c.trust_id == trust_id)
    named = visits.subquery()
    concern = case((entries.c.event_type == "SafeguardingConcernRaised", 1), else_=0)
    query = (select(named.c.trust_id, named.c.ref, func.max(entries.c.occurred_at),
                    func.max(entries.c.school_urn), func.max(concern))
             .join(entries, (entries.c.trust_id == named.c.trust_id)
                   & (entries.c.visit_id == named.c.visit_id))
             .group_by(named.c.trust_id, named.c.ref)
             .order_by(named.c.trust_id, named.c.ref))
    with trail.engine.connect() as conn:
        for trust, ref, last, school, concerned in conn.execute(query):
            yield HouseholdRecord(trust, ref.removeprefix("household:"), school,
                                  date.fromisoformat(last[:10]), bool(concerned))


def retentions(trail: Trail, settings: RecordsSettings, trust_id: str | None = None
               ) -> Iterator[Retention]:
    for record in household_records(trail, trust_id):
        yield retention_of(record, settings.retention_years_for(record.school_urn))


def run(app: RecordsApplication, on: date, trust_id: str | None = None,
        progress: Progress | None = None) -> list[Retention]:
    """Shred every household past its date whose keys are still live; returns what was shred."""
    due = [r for r in retentions(app.trail, app.settings, trust_id) if r.due(on)]
    store = app.sealer.store
    done: list[Retention] = []
    for index, retention in enumerate(due, start=1):
        record = retention.record
        subject = DataSubject(record.trust_id, "household", record.household_id)
        if any(k.destroyed_at is None for k in store.records(subject)):
            app.shred(subject, "retention", f"kept until {retention.keep_until}, the school's "
                      f"period after the last visit", RETENTION_ACTOR, record.school_urn,
                      tidy=False)
            done.append(retention)
        if progress:
            progress(index, len(due))
    if done:
        store.tidy()  # no old copy of a destroyed key's bytes is left behind
    return done
