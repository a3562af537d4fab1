"""Build the alert routing rules from alerts.yaml, checking severities, runbooks and policies they name."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from bot.domain.alert_rules import AlertAction, AlertRule, AlertRules, template_fields
from bot.domain.severity import SeverityPolicy
from bot.playbooks.alerts_schema import ActionSpec, AlertsFile
from bot.playbooks.problems import Problem
from bot.playbooks.yaml_source import YamlDoc


def build_alert_rules(
    doc: YamlDoc,
    spec: AlertsFile,
    severities: SeverityPolicy | None,
    runbooks: Collection[str],
    policies: Collection[str],
) -> tuple[AlertRules, list[Problem]]:
    problems: list[Problem] = []
    rules: list[AlertRule] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(spec.rules):
        where: tuple[str | int, ...] = ("rules", i)
        if item.name.casefold() in seen:
            message = f"duplicate rule name {item.name!r} (first used at rules[{seen[item.name.casefold()]}])"
            problems.append(doc.problem((*where, "name"), message))
        seen.setdefault(item.name.casefold(), i)
        rule, found = _rule(doc, where, item.name, item, severities, runbooks, policies)
        problems += found
        rules.append(replace(rule, source=item.match.source, alert=item.match.alert, labels=dict(item.match.labels)))
    default, found = _rule(doc, ("default",), "default", spec.default, severities, runbooks, policies)
    problems += found
    return AlertRules(tuple(rules), default), problems


def _rule(
    doc: YamlDoc,
    where: Sequence[str | int],
    name: str,
    spec: ActionSpec,
    severities: SeverityPolicy | None,
    runbooks: Collection[str],
    policies: Collection[str],
) -> tuple[AlertRule, list[Problem]]:
    problems: list[Problem] = []

    def severity_id(word: str, path: Sequence[str | int]) -> str:
        if severities is None:
            return word
        found = severities.lookup(word)
        if found is None:
            problems.append(doc.problem(path, f"unknown severity {word!r} ({severities.describe_valid()})"))
            return word
        return found.id

    severity = severity_id(spec.severity, (*where, "severity")) if spec.severity else None
    mapping = {key: severity_id(value, (*where, "severity_map", key)) for key, value in spec.severity_map.items()}
    action = AlertAction(spec.action)
    if action is AlertAction.DECLARE and not severity and not spec.from_label:
        problems.append(doc.problem((*where, "action"), "a declare rule needs severity (or from_label)"))
    if spec.runbook is not None and spec.runbook.casefold() not in {r.casefold() for r in runbooks}:
        known = ", ".join(sorted(runbooks)) or "none"
        problems.append(doc.problem((*where, "runbook"), f"unknown runbook {spec.runbook!r} (runbooks/ defines: {known})"))
    if spec.escalation is not None and spec.escalation not in policies:
        known = ", ".join(policies) or "none; add escalation_policies to oncall.yaml"
        message = f"unknown escalation policy {spec.escalation!r} (oncall.yaml defines: {known})"
        problems.append(doc.problem((*where, "escalation"), message))
    try:
        template_fields(spec.title)
    except ValueError as error:
        problems.append(doc.problem((*where, "title"), f"not a valid title template ({error})"))
    rule = AlertRule(
        name=name,
        action=action,
        severity=severity,
        from_label=spec.from_label,
        severity_map=mapping,
        title=spec.title,
        runbook=spec.runbook,
        escalation=spec.escalation,
        group_by=tuple(spec.group_by),
        group_window=spec.group_window,
    )
    return rule, problems
