"""The pages people use: staff on a phone, the buddy and office board, DSLs, trust operations
and auditors. Server-rendered by Doorstep, no build step, nothing from a CDN.

The shape of every service, less what the pages do not hold: `domain/` (the boards, pure),
`api/` (the routes), `subscribers.py` (the stream follower that keeps the boards), `settings.py`
and `bootstrap.py`. There is no `application.py`: the pages have no use cases of their own,
each form is a call to the service that owns the command (`backend.py`, as the person signed
in). There is no `integration.py`: the pages store no events and publish none.
"""
