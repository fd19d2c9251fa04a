"""HTTP: the edge every service shares.

Errors answered as clear 4xx (`answers`), request bodies checked before a route sees them
(`bodies`), and serving one service as its own process (`serve`). Routes themselves live in each
service's `api`.
"""
