"""Observability: what a running process tells trust IT about itself.

Prometheus metrics (`metrics`: one registry per process, served at `GET /metrics`, with bounded
labels and never a person's or a visit's id), OpenTelemetry traces (`tracing`: the W3C trace
context carried on every stored event and NATS message, exported over OTLP when configured)
and JSON log lines carrying the trace (`logs`). It builds only on `runtime` (settings), so
storage, messaging, http and service may all report through it.
"""
