"""Build the domain's ``Permissions`` from permissions.yaml, checking each standing against roles.yaml."""

from __future__ import annotations

from bot.domain.permissions import ANYONE, DEFAULT_RULES, KEYWORDS, Action, Permissions, Rule
from bot.domain.roles import RoleCatalog
from bot.playbooks.problems import Problem
from bot.playbooks.schema import PermissionsFile, RuleSpec
from bot.playbooks.yaml_source import YamlDoc


def build_permissions(
    doc: YamlDoc, spec: PermissionsFile, roles: RoleCatalog | None
) -> tuple[Permissions, list[Problem]]:
    """Actions the file leaves out keep the shipped default; admins split into users and groups."""
    problems: list[Problem] = []
    rules: dict[Action, Rule] = dict(DEFAULT_RULES)
    for action in Action:
        item: RuleSpec | None = getattr(spec.actions, action.value)
        if item is None:
            continue
        for key in ("allowed", "before_ic"):
            standings = getattr(item, key)
            for i, standing in enumerate(standings or ()):
                message = _standing_problem(action, standing, roles)
                if message:
                    problems.append(doc.problem(("actions", action.value, key, i), message))
        before = tuple(item.before_ic) if item.before_ic is not None else None
        rules[action] = Rule(tuple(item.allowed), before)
    users = tuple(a for a in spec.admins if not a.startswith("S"))
    groups = tuple(a for a in spec.admins if a.startswith("S"))
    return Permissions(rules=rules, admin_users=users, admin_groups=groups), problems


def _standing_problem(action: Action, standing: str, roles: RoleCatalog | None) -> str | None:
    if action is Action.DECLARE_PRIVATE:
        if standing != ANYONE:
            return (
                f"{standing!r} cannot apply before an incident exists; declare_private allows "
                "'anyone' or, with an empty list, admins only"
            )
        return None
    role_ids = [role.id for role in roles] if roles is not None else []
    if standing in KEYWORDS or standing in role_ids:
        return None
    if roles is None:  # roles.yaml is broken: it reports its own problems
        return None
    keywords = ", ".join(KEYWORDS)
    return f"unknown standing {standing!r} (expected {keywords} or a role: {roles.describe_valid()})"
