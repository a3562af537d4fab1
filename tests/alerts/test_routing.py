"""The routing table: first match wins, globs on names and labels, sources, severity mapping, titles, groups."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from bot.domain.alert_rules import AlertAction
from bot.playbooks.loader import Playbooks, load_playbooks
from tests.harness import SHIPPED_PLAYBOOKS

RULES = """
rules:
  - name: payments-down
    match: {source: alertmanager, alert: "Payments*", labels: {env: prod}}
    action: declare
    severity: SEV1
    runbook: payment-failure
    group_by: [service]
    group_window: 30m
  - name: staging-noise
    match: {labels: {env: "stag*"}}
    action: ignore
  - name: by-label
    match: {source: any, alert: "*Latency*"}
    action: declare
    from_label: severity
    severity_map: {critical: SEV1, warning: sev-3}
    severity: SEV2
    title: "{service} slow: {alert} ({summary})"
  - name: night-pages
    match: {source: datadog}
    action: page
    escalation: default
default: {action: notify}
"""


def _rules(tmp_path: Path) -> Playbooks:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    (target / "alerts.yaml").write_text(RULES)
    return load_playbooks(target)


def test_first_match_wins_with_name_and_label_globs(tmp_path: Path) -> None:
    rules = _rules(tmp_path).alerts
    prod = {"env": "prod", "service": "payments"}
    assert rules.route("alertmanager", "PaymentsErrorRate", prod).name == "payments-down"
    assert rules.route("alertmanager", "paymentslatency", prod).name == "payments-down"  # case-insensitive
    assert rules.route("datadog", "PaymentsErrorRate", prod).name == "night-pages"  # source must match
    assert rules.route("alertmanager", "PaymentsErrorRate", {"env": "staging"}).name == "staging-noise"
    assert rules.route("alertmanager", "PaymentsErrorRate", {}).name == "default"  # a listed label must exist
    assert rules.route("generic", "API Latency p99", {}).name == "by-label"
    assert rules.route("generic", "disk full", {"env": "prod"}).action is AlertAction.NOTIFY


def test_severity_from_a_label_through_the_map_with_a_fallback(tmp_path: Path) -> None:
    playbooks = _rules(tmp_path)
    rule = playbooks.alerts.route("generic", "API Latency", {})

    def known(word: str) -> str | None:
        found = playbooks.severities.lookup(word)
        return found.id if found else None

    assert rule.severity_for({"severity": "critical"}, known) == "SEV1"
    assert rule.severity_for({"severity": "WARNING"}, known) == "SEV3"  # an alias, mapped case-insensitively
    assert rule.severity_for({"severity": "SEV2"}, known) == "SEV2"  # a value that is a severity itself
    assert rule.severity_for({"severity": "info"}, known) == "SEV2"  # unmapped: the fallback
    assert rule.severity_for({}, known) == "SEV2"


def test_title_templates_and_group_keys(tmp_path: Path) -> None:
    rules = _rules(tmp_path).alerts
    rule = rules.route("generic", "API Latency", {})
    title = rule.title_for("API Latency", "p99 2.3s", "generic", {"service": "checkout"})
    assert title == "checkout slow: API Latency (p99 2.3s)"
    payments = rules.route("alertmanager", "PaymentsDown", {"env": "prod"})
    assert payments.group_key({"service": "payments", "env": "prod"}) == "payments-down|service=payments"
    assert payments.group_window == timedelta(minutes=30)
    assert rule.group_key({"service": "x"}) is None


def test_the_shipped_rules_load_and_an_absent_file_means_notify(tmp_path: Path) -> None:
    shipped = load_playbooks(SHIPPED_PLAYBOOKS).alerts
    [rule] = shipped.rules
    assert (rule.name, rule.action, rule.severity, rule.runbook) == ("payments-down", "declare", "SEV1", "payment-failure")
    assert shipped.default.action is AlertAction.NOTIFY
    target = tmp_path / "without"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    (target / "alerts.yaml").unlink()
    absent = load_playbooks(target).alerts
    assert absent.rules == () and absent.route("generic", "x", {}).action is AlertAction.NOTIFY
