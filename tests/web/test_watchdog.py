"""Who watches the watcher, as a rule: when escalation's safety loop counts as down. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.web.domain.watchdog import Beat, Limits, Loop, judge, schools_to_warn

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
LIMITS = Limits(silent_after=timedelta(seconds=15), failing_for=timedelta(minutes=1))
STARTED = NOW - timedelta(hours=1)


def beat(seconds_ago: float, **failing_for: float) -> Beat:
    return Beat(NOW - timedelta(seconds=seconds_ago),
                {p: NOW - timedelta(seconds=s) for p, s in failing_for.items()})


def test_a_fresh_beat_with_visits_out_is_running() -> None:
    assert judge(beat(3), STARTED, NOW, visits_out=4, limits=LIMITS).loop is Loop.RUNNING


def test_silence_past_the_threshold_while_a_visit_is_out_is_the_alarm() -> None:
    verdict = judge(beat(16), STARTED, NOW, visits_out=1, limits=LIMITS)
    assert verdict.loop is Loop.SILENT
    assert verdict.down
    assert verdict.since == NOW - timedelta(seconds=16)
    assert not judge(beat(14), STARTED, NOW, visits_out=1, limits=LIMITS).down


def test_silence_with_nobody_out_raises_nothing_and_clears_nothing() -> None:
    verdict = judge(beat(600), STARTED, NOW, visits_out=0, limits=LIMITS)
    assert verdict.loop is Loop.QUIET
    assert not verdict.down


def test_a_watcher_just_started_gives_escalation_the_threshold_before_calling_it_silent() -> None:
    just = NOW - timedelta(seconds=5)
    assert judge(None, just, NOW, visits_out=2, limits=LIMITS).loop is Loop.LISTENING
    later = judge(None, just, NOW + timedelta(seconds=11), visits_out=2, limits=LIMITS)
    assert later.loop is Loop.SILENT
    assert later.since == just


def test_a_provider_failing_every_message_for_the_window_is_the_alarm_even_while_beating() -> None:
    verdict = judge(beat(2, notify=61), STARTED, NOW, visits_out=0, limits=LIMITS)
    assert verdict.loop is Loop.PROVIDER_FAILING
    assert verdict.providers == ("notify",)
    assert judge(beat(2, notify=30), STARTED, NOW, visits_out=3, limits=LIMITS).loop is \
        Loop.RUNNING


def test_only_the_schools_with_visits_out_show_the_banner() -> None:
    down = judge(beat(20), STARTED, NOW, visits_out=2, limits=LIMITS)
    assert schools_to_warn({"123456": 2, "654321": 0}, down) == ["123456"]
    up = judge(beat(1), STARTED, NOW, visits_out=2, limits=LIMITS)
    assert schools_to_warn({"123456": 2}, up) == []
