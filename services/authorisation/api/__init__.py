"""HTTP routes of the authorisation service. Thin: parse, call one use case, answer.

`decisions`: assessments and the decision on each visit; `admin`: policy packs and the staff
register. The bodies they accept are the service's commands (`services.authorisation.commands`).
"""
