"""OpenTelemetry traces: one check-in is one trace, from its HTTP request through the store, the
outbox, NATS and every consumer.

The W3C trace context travels as `traceparent` / `tracestate`: in a stored event's meta (so the
outbox relay, which publishes later, continues the request's trace), and on NATS as the
CloudEvents distributed-tracing extension (`ce-traceparent`). Spans are exported over OTLP/HTTP
when `DOORSTEP_OTLP_ENDPOINT` is set; otherwise nothing is traced and nothing is carried.
The HTTP server spans are FastAPI's own (it traces every request, continuing a caller's
`traceparent`, once a tracer provider is set); this module adds the publish and consume spans.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from shared.runtime.settings import DoorstepSettings

TRACE_FIELDS = ("traceparent", "tracestate")


class _Switch:
    on = False


switch = _Switch()
tracer = trace.get_tracer("doorstep")


def configure(service: str, settings: DoorstepSettings) -> bool:
    """Export this process's spans to the OTLP collector the settings name (once a process)."""
    if not settings.otlp_endpoint:
        return False
    if switch.on:
        return True
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint = settings.otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider = TracerProvider(resource=Resource.create({"service.name": f"doorstep-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    switch.on = True
    return True


def flush() -> None:
    provider: Any = trace.get_tracer_provider()
    if hasattr(provider, "force_flush"):
        provider.force_flush(5000)


def current_fields() -> dict[str, str]:
    """The current span's W3C trace context (`traceparent`, `tracestate`), or nothing."""
    if not switch.on:
        return {}
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {name: carrier[name] for name in TRACE_FIELDS if name in carrier}


@contextmanager
def span(name: str, kind: SpanKind, parent: Mapping[str, str] | None = None,
         attributes: Mapping[str, str] | None = None) -> Iterator[Span | None]:
    """A span, current while the block runs, continuing the trace in `parent` (W3C fields)."""
    if not switch.on:
        yield None
        return
    context = propagate.extract(dict(parent)) if parent else None
    with tracer.start_as_current_span(name, context=context, kind=kind,
                                      attributes=dict(attributes or {})) as current:
        yield current


def started(name: str, kind: SpanKind, parent: Mapping[str, str],
            attributes: Mapping[str, str] | None = None) -> Span | None:
    """A span begun now and ended by the caller (`finish`), not made current: for the messages
    of one batch, each in its own trace."""
    if not switch.on:
        return None
    return tracer.start_span(name, context=propagate.extract(dict(parent)), kind=kind,
                             attributes=dict(attributes or {}), start_time=time.time_ns())


def finish(spans: list[Span | None], error: BaseException | None = None) -> None:
    for one in spans:
        if one is None:
            continue
        if error is not None:
            one.record_exception(error)
            one.set_status(Status(StatusCode.ERROR, str(error)))
        one.end()


def fields_of(carrier: Mapping[str, str] | None) -> dict[str, str]:
    """The W3C trace context kept in a stored event's meta (nothing if it was not traced)."""
    return {name: carrier[name] for name in TRACE_FIELDS if carrier and carrier.get(name)}


__all__ = ["SpanKind", "configure", "current_fields", "fields_of", "finish", "flush", "span",
           "started", "switch"]
