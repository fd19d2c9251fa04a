"""Log lines as JSON carry the trace they were written in, so trust IT finds every service's
lines about one check-in by its trace id; outside a span they carry none."""

from __future__ import annotations

import json
import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from shared.contracts.meta import trace_fields
from shared.messaging.envelope import to_wire, trace_of
from shared.observability.logs import JsonLines
from tests.contracts.test_envelope import missed


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("services.escalation.scheduler", logging.WARNING, __file__, 1,
                             message, (), None)


def test_a_line_written_in_a_span_names_its_trace_and_span() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("check-in") as span:
        line = json.loads(JsonLines("escalation").format(record("deadline %s fired late")))
    context = span.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert (line["service"], line["level"], line["logger"]) == (
        "escalation", "warning", "services.escalation.scheduler")
    assert line["message"] == "deadline %s fired late"


def test_a_line_outside_any_span_has_no_trace() -> None:
    line = json.loads(JsonLines("records").format(record("trail verified")))
    assert "trace_id" not in line
    assert line["message"] == "trail verified"


def test_a_commands_trace_is_kept_with_its_events_and_carried_on_the_wire() -> None:
    tracer = TracerProvider().get_tracer("test")
    assert trace_fields() == {}  # nothing traced: nothing kept
    with tracer.start_as_current_span("POST check-ins") as span:
        kept = trace_fields()
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert kept["traceparent"].split("-")[1] == trace_id
    wire = to_wire(missed(), root="doorstep", source="/test", trace=kept)
    assert wire.headers["ce-traceparent"] == kept["traceparent"]
    assert trace_of(wire.headers) == kept
    assert trace.get_current_span().get_span_context().is_valid is False
