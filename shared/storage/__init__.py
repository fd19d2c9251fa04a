"""Storage: how each service keeps its append-only event store, and the personal data in it.

Store configuration (SQLite or PostgreSQL), group commit and batched commands, aggregates cached
across replicas, commands retried under concurrency, the key store with one key per data subject,
the stores' cipher, and sealed personal fields; backups of every store and restoring them
(`backup`), and the shred list of erasures that outlives backups (`shredlist`). A new store
concern belongs here.
"""
