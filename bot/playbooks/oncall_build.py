"""Turn a validated ``oncall.yaml`` into typed schedules and policies, checking the schedules they name."""

from __future__ import annotations

from types import MappingProxyType

from bot.playbooks.oncall import (
    EscalationLevel,
    EscalationPolicy,
    LongRunningRule,
    NotifyTarget,
    OnCall,
    Schedule,
    parse_handoff,
    parse_person,
    parse_rotation,
    parse_target,
    parse_timezone,
)
from bot.playbooks.problems import Problem
from bot.playbooks.schema import OnCallFile
from bot.playbooks.yaml_source import YamlDoc


def build_oncall(doc: YamlDoc, spec: OnCallFile) -> tuple[OnCall, list[Problem]]:
    schedules: dict[str, Schedule] = {}
    for sid, item in spec.schedules.items():
        zone = parse_timezone(item.timezone)
        rotation = parse_rotation(item.rotation)
        schedules[sid] = Schedule(
            id=sid,
            timezone=zone,
            rotation=rotation,
            handoff=parse_handoff(item.handoff, rotation, zone),
            people=tuple(parse_person(p) for p in item.people),
        )
    problems: list[Problem] = []
    policies: dict[str, EscalationPolicy] = {}
    for pid, policy in spec.escalation_policies.items():
        levels = []
        for i, level in enumerate(policy.levels):
            path = ("escalation_policies", pid, "levels", i, "notify")
            targets = _targets(doc, path, level.notify, schedules, problems)
            levels.append(EscalationLevel(notify=targets, escalate_after=level.escalate_after))
        rules = []
        for i, rule in enumerate(policy.long_running):
            path = ("escalation_policies", pid, "long_running", i, "notify")
            targets = _targets(doc, path, rule.notify, schedules, problems)
            rules.append(LongRunningRule(after=rule.after, notify=targets, severities=tuple(rule.severities)))
        policies[pid] = EscalationPolicy(pid, policy.repeat, tuple(levels), tuple(rules))
    return OnCall(schedules=MappingProxyType(schedules), policies=MappingProxyType(policies)), problems


def _targets(
    doc: YamlDoc,
    path: tuple[str | int, ...],
    raw: list[str],
    schedules: dict[str, Schedule],
    problems: list[Problem],
) -> tuple[NotifyTarget, ...]:
    targets = tuple(parse_target(t) for t in raw)
    for j, target in enumerate(targets):
        if target.kind == "schedule" and target.value not in schedules:
            known = ", ".join(schedules) or "none"
            problems.append(doc.problem((*path, j), f"unknown schedule {target.value!r} (defined: {known})"))
    return targets
