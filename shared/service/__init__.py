"""One service process, composed: its store, bus, outbox relay, subscribers and routes, started
and stopped as one (`process`). Every service's bootstrap builds on this; it is the top of
`shared/`, above messaging, storage, security and http, which it wires together.
"""
