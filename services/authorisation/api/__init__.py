"""HTTP routes of the authorisation service. Thin: parse, call one use case, answer.

`decisions`: assessments and the decision on each visit; `admin`: policy packs and the staff
register; `schemas`: the request bodies, refused at the edge with a 422 that says why.
"""
