"""What trust IT deploys to watch Doorstep holds: the alert rules pass promtool's own checks and
unit tests (a case that fires and one that does not, for every rule), and the alerts, the
scrape config and the Grafana dashboard name only metrics the processes export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import services.escalation.metrics
import services.records.metrics
import services.web.metrics
import shared.observability.metrics  # noqa: F401 - registers the metrics named below

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES, RULE_TESTS = DEPLOY / "prometheus" / "alerts.yml", DEPLOY / "prometheus" / "alerts_test.yml"
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "gauge": ("",), "summary": ("_count", "_sum", "_created")}
__all__ = ["services"]


def promtool() -> str:
    found = shutil.which("promtool") or ("/usr/bin/promtool" if Path("/usr/bin/promtool").exists()
                                         else None)
    if found is None:
        pytest.fail("promtool is missing: install Debian's `prometheus` package (.ci/run does)")
    return found


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def exported() -> set[str]:
    """Every series name the processes can export: Doorstep's own, by type, and `up`, which
    Prometheus records for every target it scrapes."""
    names = {"up"}
    for family in REGISTRY.collect():
        if family.name.startswith("doorstep_"):
            names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def named_metrics(expr: str) -> set[str]:
    return set(re.findall(r"\bdoorstep_[a-z0-9_]+|\bup(?=\{)", expr))


def alerts() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"]
            for rule in group["rules"]]


def test_the_alert_rules_pass_promtools_checks_and_unit_tests() -> None:
    checked = run("check", "rules", RULES.name, cwd=RULES.parent)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run("test", "rules", RULE_TESTS.name, cwd=RULES.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout + tested.stderr


def test_every_alert_has_a_case_that_fires_and_one_that_does_not() -> None:
    cases: dict[str, set[str]] = {}
    for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], set()).add(
                "fires" if case.get("exp_alerts") else "quiet")
    names = [rule["alert"] for rule in alerts()]
    assert len(names) >= 5
    assert {name: cases.get(name, set()) for name in names} == {
        name: {"fires", "quiet"} for name in names}


def test_the_alerts_name_only_metrics_the_processes_export() -> None:
    known = exported()
    assert "doorstep_escalation_scheduler_last_tick_timestamp_seconds" in known
    for rule in alerts():
        assert named_metrics(rule["expr"]) <= known, rule["alert"]


def test_the_dashboard_shows_only_metrics_the_processes_export() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "doorstep.json").read_text())
    known = exported()
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 10
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used = named_metrics(target["expr"])
            assert used, f"{panel['title']}: names no Doorstep metric"
            assert used <= known, f"{panel['title']}: {sorted(used - known)} not exported"
    shown = set().union(*(named_metrics(expr) for expr in exprs))
    for needed in ("doorstep_escalation_scheduler_last_tick_timestamp_seconds",
                   "doorstep_consumer_pending_messages", "doorstep_outbox_backlog_events",
                   "doorstep_escalation_notifications_total",
                   "doorstep_records_trail_last_verified_timestamp_seconds"):
        assert needed in shown


def test_the_scrape_config_is_valid_and_loads_the_alerts(tmp_path: Path) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    token = tmp_path / "metrics-token"
    token.write_text("a-token")
    for job in config["scrape_configs"]:
        job["authorization"]["credentials_file"] = str(token)
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {f"doorstep-{name}" for name in ("visits", "authorisation", "escalation",
                                                    "records", "web")}
    shutil.copy(RULES, tmp_path / RULES.name)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    checked = run("check", "config", "prometheus.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
