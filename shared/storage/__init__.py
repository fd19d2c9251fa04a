"""Storage: how each service keeps its append-only event store, and the personal data in it.

Store configuration (SQLite or PostgreSQL), group commit and batched commands, aggregates cached
across replicas, commands retried under concurrency, the key store with one key per data subject,
the stores' cipher, and sealed personal fields. A new store concern belongs here.
"""
