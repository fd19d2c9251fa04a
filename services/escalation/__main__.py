"""`python -m services.escalation --port N`."""

import gc

from services.escalation.bootstrap import create_app
from shared.http.serve import serve

# The service keeps every live visit's Watch in memory (100,000 and more): with the collector's
# default (a young-generation pass every 700 allocations, each older pass walking all of them)
# collecting took about a fifth of the CPU of taking visit events in. Aggregates hold plain
# data, so few cycles wait for the rarer passes.
YOUNG_PASS_EVERY, OLDER_PASS_EVERY = 20_000, 20

if __name__ == "__main__":
    gc.set_threshold(YOUNG_PASS_EVERY, OLDER_PASS_EVERY, OLDER_PASS_EVERY)
    serve("escalation", create_app)
