"""Checks that span files: severities name real escalation policies, steps name real roles."""

from __future__ import annotations

from bot.domain.roles import RoleCatalog
from bot.domain.severity import SeverityPolicy
from bot.playbooks.oncall import OnCall
from bot.playbooks.problems import Problem
from bot.playbooks.runbooks import AwsStep, Runbook
from bot.playbooks.yaml_source import YamlDoc


def check_escalations(
    sev_doc: YamlDoc, severities: SeverityPolicy, oncall: OnCall, oncall_doc: YamlDoc | None
) -> list[Problem]:
    """Each severity's ``escalation`` exists in oncall.yaml; long-running rules name real severities."""
    problems: list[Problem] = []
    known = ", ".join(oncall.policies) or "none; add escalation_policies to oncall.yaml"
    for sev in severities:
        if sev.escalation is not None and sev.escalation not in oncall.policies:
            problems.append(
                sev_doc.problem(
                    ("severities", sev.id, "escalation"),
                    f"unknown escalation policy {sev.escalation!r} (oncall.yaml defines: {known})",
                )
            )
    if oncall_doc is not None:
        ids = set(severities.ids())
        for pid, policy in oncall.policies.items():
            for i, rule in enumerate(policy.long_running):
                for j, sev_id in enumerate(rule.severities):
                    if sev_id not in ids:
                        path = ("escalation_policies", pid, "long_running", i, "severities", j)
                        problems.append(oncall_doc.problem(path, f"unknown severity {sev_id!r}"))
    return problems


def check_runbook_roles(runbooks: list[tuple[Runbook, YamlDoc]], roles: RoleCatalog) -> list[Problem]:
    """Roles allowed to confirm an aws step must be role ids from roles.yaml."""
    problems: list[Problem] = []
    ids = {role.id for role in roles}
    for runbook, doc in runbooks:
        for section in ("diagnosis", "mitigation", "rollback"):
            for i, step in enumerate(getattr(runbook, section)):
                if not isinstance(step, AwsStep):
                    continue
                for j, role_id in enumerate(step.allowed_roles):
                    if role_id not in ids:
                        path = (section, i, "allowed_roles", j)
                        message = f"unknown role {role_id!r} ({roles.describe_valid()})"
                        problems.append(doc.problem(path, message))
    return problems
