"""Doorstep's shared code: the contracts every service speaks and the plumbing every service uses.

From the bottom up (each package builds only on those below it; tests/layout/test_layers.py):
`contracts` (integration events, event metadata, errors), `runtime` (settings, child processes),
`observability` (metrics, traces, JSON log lines), `storage` (event stores, keys, sealing),
`messaging` (NATS JetStream: bus, envelope, consumers, outbox), `security` and `http` (who may
act; the HTTP edge), `service` (one service process composed), and `cli` and `testing` on top.
"""
