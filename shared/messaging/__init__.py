"""Messaging: how events travel between services over NATS JetStream.

The stream and its publisher (bus), the CloudEvents envelope, durable consumers taken in order
per key, the outbox relay that publishes what a store has kept, refused (poison) messages, and
the nats-server itself with each service's and integrator's credentials. A new way of reaching
NATS belongs here; what an event says belongs in `shared.contracts`.
"""
