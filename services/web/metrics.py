"""What the pages tell Prometheus about their watch on the safety loop: that the watch itself
goes round, when escalation was last heard, how many trusts it finds down, and the safety leads
told. Labels are the loop's state, channels and outcomes: never a trust, a school or a person."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

WATCH_ROUND = Gauge(
    "doorstep_web_watch_last_round_timestamp_seconds",
    "When the pages' watch on escalation last went round (Unix time): it must keep going")
HEARD = Gauge(
    "doorstep_web_escalation_heard_timestamp_seconds",
    "When the pages last heard the leading escalation replica's heartbeat (Unix time)")
DOWN = Gauge(
    "doorstep_web_safety_loop_down_trusts",
    "Trusts whose safety loop the pages find down, by why: silent, or provider_failing",
    ["loop"])
TOLD = Counter(
    "doorstep_web_safety_leads_told_total",
    "Safety leads told by the pages' own path that escalation is down or back, by channel "
    "and outcome (delivered or failed)", ["channel", "outcome"])
