"""Trust IT can see the safety loop working: every process's /metrics after the README's
walk-through, and one check-in followed as one trace across the processes (issue 22)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.runtime.launcher import EVERYTHING, Cluster
from shared.runtime.settings import DoorstepSettings
from shared.testing.http import client_for
from shared.testing.polling import until
from tests.e2e.collector import Span, otlp_collector
from tests.e2e.test_one_visit import AUTHORISE, STAFF, ok, stores, where_it_stopped
from tests.visits.stories import URN, sign_out, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
__all__ = ["stores"]  # the fixture: SQLite, then PostgreSQL
SCRAPE_TOKEN = "scrape-token-for-the-test"
CHECK_IN = "/v1/schools/{urn}/visits/{visit_id}/check-ins"


async def out_on_visits(settings: DoorstepSettings, cluster: Cluster, count: int) -> list[str]:
    """The README's walk-through up to the check-ins: `count` visits requested, authorised,
    signed out and arrived, each checked in twice. Returns each visit's path."""
    visits, authorisation = cluster["visits"].url, cluster["authorisation"].url
    staff = client_for(settings, visits, user="staff-0001", role="staff", schools=[URN])
    dsl = client_for(settings, authorisation, user="dsl-0001", role="dsl", schools=[URN])
    bases = []
    async with staff, dsl:
        for number in range(count):  # each to a household not visited before
            request = visit_request(STAFF, household_id=f"hh-{number + 1:04d}")
            visit_id = (await ok(await staff.post(f"/v1/schools/{URN}/visits", json=request),
                                 201))["visit_id"]
            base = f"/v1/schools/{URN}/visits/{visit_id}"

            async def authorisation_knows(base: str = base) -> bool:
                return (await dsl.get(f"{base}/authorisation")).status_code == 200

            try:
                await until(authorisation_knows, "the request reach authorisation", seconds=60)
            except AssertionError as error:
                raise AssertionError(f"{error}; {await where_it_stopped(settings)}") from error
            await ok(await dsl.post(f"{base}/risk-assessments",
                                    json={"kind": "initial", "score": 4}), 201)
            await ok(await dsl.post(f"{base}/decision", json=AUTHORISE))

            async def authorised(base: str = base) -> bool:
                return (await staff.get(base)).json()["status"] == "authorised"

            await until(authorised, "the decision reach visits", seconds=60)
            await ok(await staff.post(f"{base}/departure", json=sign_out(STAFF)))
            await ok(await staff.post(f"{base}/arrival", json={"dynamic_risk_ok": True}))
            await ok(await staff.post(f"{base}/check-ins", json={}))
            await ok(await staff.post(f"{base}/check-ins", json={}))
            bases.append(base)
    return bases


class Scrape:
    """One process's /metrics, parsed with prometheus_client's own parser."""

    def __init__(self, text: str) -> None:
        self.samples = [sample for family in text_string_to_metric_families(text)
                        for sample in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of `name` whose labels include `labels` (0 if none)."""
        return sum(s.value for s in self.samples if s.name == name
                   and all(s.labels.get(key) == wanted for key, wanted in labels.items()))

    def labelled(self, name: str, label: str) -> dict[str, float]:
        return {s.labels[label]: s.value for s in self.samples if s.name == name}


async def scrape_one(url: str, token: str | None = None) -> Scrape:
    """One process's /metrics as Prometheus scrapes it (with the scrape token, if one is set)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=15) as client:
        response = await client.get(f"{url}/metrics", headers=headers)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


async def scrape(cluster: Cluster) -> dict[str, Scrape]:
    return {name: await scrape_one(cluster[name].url, SCRAPE_TOKEN) for name in EVERYTHING}


async def test_metrics_after_the_walk_through_show_check_ins_no_lag_and_deadlines(
        stores, make_cluster) -> None:
    settings = stores.model_copy(update={"metrics_poll_seconds": 0.5,
                                         "metrics_token": SCRAPE_TOKEN})
    cluster = make_cluster(settings, EVERYTHING,
                           extra_env={"DOORSTEP_RECORDS_VERIFY_SECONDS": "1"})
    bases = await out_on_visits(settings, cluster, 2)
    checked_in_at = time.time()

    async def settled() -> dict[str, Scrape]:
        return await scrape(cluster)

    def caught_up(now: dict[str, Scrape]) -> bool:
        lags = [now[name].labelled(gauge, "durable") for name in EVERYTHING
                for gauge in ("doorstep_consumer_pending_messages",
                              "doorstep_consumer_ack_pending_messages")]
        return (now["records"].value("doorstep_events_handled_total", durable="records-trail",
                                     type="CheckedIn") == 4
                and now["escalation"].value("doorstep_escalation_deadlines_pending",
                                            kind="visit") == 2
                and now["records"].value(
                    "doorstep_records_trail_last_verified_timestamp_seconds") > checked_in_at
                and all(value == 0 for lag in lags for value in lag.values()))

    now = await until(settled, "every consumer caught up and two visits' deadlines pending",
                      seconds=120, every=0.5, ready=caught_up, show=lambda now: {
                          name: [(s.name, s.labels, s.value) for s in scraped.samples
                                 if "pending" in s.name] for name, scraped in now.items()})
    visits, records, escalation = now["visits"], now["records"], now["escalation"]
    assert visits.value("doorstep_http_requests_total", method="POST", route=CHECK_IN,
                        status="200") == 4
    assert visits.value("doorstep_http_request_duration_seconds_count", route=CHECK_IN) == 4
    assert visits.value("doorstep_events_published_total", service="visits",
                        type="CheckedIn") == 4
    assert escalation.value("doorstep_events_handled_total", durable="escalation-visits",
                            type="CheckedIn", outcome="handled") == 4
    durables = {durable for name in ("visits", "authorisation", "escalation", "records")
                for durable in now[name].labelled("doorstep_consumer_pending_messages",
                                                  "durable")}
    assert {"records-trail", "escalation-visits", "authorisation-visits",
            "visits-decisions"} <= durables
    for name in ("visits", "authorisation", "escalation", "records"):
        assert now[name].value("doorstep_outbox_backlog_events", service=name) == 0, name
    assert escalation.value("doorstep_escalation_scheduler_last_tick_timestamp_seconds") > 0
    assert records.value("doorstep_records_trail_entries") >= 2 * 7  # each visit's story so far
    assert records.value("doorstep_records_trail_broken_chains") == 0  # verified since, intact
    every_label = {value for name in EVERYTHING for sample in now[name].samples
                   for value in sample.labels.values()}
    assert not any(base.rsplit("/", 1)[-1] in every_label for base in bases)  # no visit ids
    web = (await scrape(cluster))["web"]  # a scrape is counted once it has answered
    assert web.value("doorstep_http_requests_total", route="/metrics", status="200") >= 1

    staff = client_for(settings, cluster["visits"].url, user="staff-0001", role="staff",
                       schools=[URN])
    async with staff:
        await ok(await staff.post(f"{bases[0]}/leaving", json={
            "expected_return": sign_out(STAFF)["expected_return"]}))
        await ok(await staff.post(f"{bases[0]}/return", json={}))
    await until(settled, "one visit back: one visit's deadlines pending", seconds=120, every=0.5,
                ready=lambda now: now["escalation"].value(
                    "doorstep_escalation_deadlines_pending", kind="visit") == 1)
    async with httpx.AsyncClient(timeout=15) as client:
        unscraped = await client.get(f"{cluster['visits'].url}/metrics")
    assert unscraped.status_code == 401
    assert "DOORSTEP_METRICS_TOKEN" in unscraped.text


def check_in_trace(traces: dict[str, list[Span]]) -> list[Span] | None:
    """The trace holding a check-in's request in visits, its publish (within the request), and
    the records and escalation consumers and the pages' board that took that publish."""
    for spans in traces.values():
        by_id = {span.span_id: span for span in spans}

        def ancestors(span: Span, by_id: dict[str, Span] = by_id) -> Iterator[Span]:
            while span.parent_id in by_id:
                span = by_id[span.parent_id]
                yield span

        requests = [s for s in spans if s.service == "doorstep-visits"
                    and s.name == f"POST {CHECK_IN}" and s.kind == "SPAN_KIND_SERVER"]
        for publish in (s for s in spans if s.name == "publish CheckedIn"):
            request = next((s for s in ancestors(publish) if s in requests), None)
            consumers = {s.service: s for s in spans if s.parent_id == publish.span_id
                         and s.kind == "SPAN_KIND_CONSUMER"}
            if request and {"doorstep-records", "doorstep-escalation",
                            "doorstep-web"} <= set(consumers):
                return [request, publish, consumers["doorstep-records"],
                        consumers["doorstep-escalation"], consumers["doorstep-web"]]
    return None


async def test_one_check_in_is_one_trace_across_the_processes(stores, make_cluster) -> None:
    with otlp_collector() as collector:
        cluster = make_cluster(stores, EVERYTHING, extra_env={
            "DOORSTEP_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "200"})
        await out_on_visits(stores, cluster, 1)

        def spans_seen(traces: dict[str, list[Span]]) -> list[tuple[str, str]]:
            return sorted({(s.service, s.name, s.kind, s.trace_id[:6], s.span_id[:6],
                            s.parent_id[:6]) for spans in traces.values() for s in spans
                           if "CheckedIn" in s.name or "check-ins" in s.name})

        traces = await until(collector.traces, "one trace from a check-in's request to records, "
                             "escalation and the board", seconds=60, every=0.5,
                             ready=lambda traces: check_in_trace(traces) is not None,
                             show=spans_seen)
    found = check_in_trace(traces)
    assert found is not None
    request, publish, records, escalation, board = found
    assert request.service == publish.service == "doorstep-visits"
    assert publish.kind == "SPAN_KIND_PRODUCER"
    assert records.name == "records-trail CheckedIn"
    assert escalation.name == "escalation-visits CheckedIn"
    assert board.name == "board CheckedIn"
    assert len({span.trace_id for span in found}) == 1
