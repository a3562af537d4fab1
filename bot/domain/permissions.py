"""Who may do what to an incident: actions, standings, the shipped default and the pure decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    """Something only some people may do; the values are the keys of permissions.yaml."""

    RESOLVE = "resolve"
    REOPEN = "reopen"
    SEVERITY = "severity"
    ROLE = "role"
    PUBLISH = "publish"
    RUN_MUTATING_STEP = "run_mutating_step"
    DECLARE_PRIVATE = "declare_private"
    POSTMORTEM = "postmortem"


# Standings that are not role ids. A role id from roles.yaml (``ic``, ``tech_lead``…) is a standing too.
IC = "ic"
REPORTER = "reporter"
CHANNEL_MEMBER = "channel_member"
ANYONE = "anyone"
KEYWORDS = (IC, REPORTER, CHANNEL_MEMBER, ANYONE)

# What each action is, as the end of "Only … can …".
DOING: Mapping[Action, str] = {
    Action.RESOLVE: "resolve {ref}",
    Action.REOPEN: "reopen {ref}",
    Action.SEVERITY: "change the severity of {ref}",
    Action.ROLE: "hand over roles in {ref}",
    Action.PUBLISH: "publish the status of {ref}",
    Action.RUN_MUTATING_STEP: "run steps that change AWS in {ref}",
    Action.DECLARE_PRIVATE: "declare a private incident",
    Action.POSTMORTEM: "record the post-mortem of {ref} as done or skipped",
}


@dataclass(frozen=True)
class Rule:
    """Who may do one action: ``allowed`` once an IC is assigned, ``before_ic`` until then."""

    allowed: tuple[str, ...]
    before_ic: tuple[str, ...] | None = None  # None: the same as ``allowed``

    def standings(self, has_commander: bool) -> tuple[str, ...]:
        if has_commander or self.before_ic is None:
            return self.allowed
        return self.before_ic


_OWNERS = (IC, REPORTER)
_BEFORE_IC = (REPORTER, CHANNEL_MEMBER)

DEFAULT_RULES: Mapping[Action, Rule] = {
    Action.RESOLVE: Rule(_OWNERS, _BEFORE_IC),
    Action.REOPEN: Rule(_OWNERS, _BEFORE_IC),
    Action.SEVERITY: Rule(_OWNERS, _BEFORE_IC),
    Action.ROLE: Rule(_OWNERS, _BEFORE_IC),
    Action.PUBLISH: Rule((IC, "comms"), _BEFORE_IC),
    Action.RUN_MUTATING_STEP: Rule((IC,)),
    Action.DECLARE_PRIVATE: Rule((ANYONE,)),
    Action.POSTMORTEM: Rule(_OWNERS),
}


@dataclass(frozen=True)
class Permissions:
    """permissions.yaml as the domain sees it; actions it leaves out keep the shipped default."""

    rules: Mapping[Action, Rule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    admin_users: tuple[str, ...] = ()
    admin_groups: tuple[str, ...] = ()

    def rule(self, action: Action) -> Rule:
        return self.rules.get(action) or DEFAULT_RULES[action]

    @property
    def has_admins(self) -> bool:
        return bool(self.admin_users or self.admin_groups)


DEFAULT_PERMISSIONS = Permissions()


@dataclass(frozen=True)
class Standing:
    """What is known about the incident an action is for (nothing for a declaration)."""

    ref: str = ""
    reporter_id: str | None = None
    holders: Mapping[str, str] = field(default_factory=dict)  # role id -> user id
    role_names: Mapping[str, str] = field(default_factory=dict)  # role id -> display name
    channel_id: str | None = None

    @property
    def commander_id(self) -> str | None:
        return self.holders.get(IC)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    standings: tuple[str, ...]
    refusal: str = ""


def decide(
    permissions: Permissions,
    action: Action,
    incident: Standing,
    actor: str,
    *,
    is_admin: Callable[[], bool],
    is_member: Callable[[], bool],
    standings: Sequence[str] | None = None,
) -> Decision:
    """Whether ``actor`` may do ``action``; the costly look-ups (admin, membership) run only when needed.

    ``standings`` replaces the rule's own (a runbook step naming its ``allowed_roles``).
    """
    wanted = tuple(standings) if standings else permissions.rule(action).standings(incident.commander_id is not None)
    for standing in wanted:
        if standing == ANYONE:
            return Decision(True, wanted)
        if standing == REPORTER and incident.reporter_id == actor:
            return Decision(True, wanted)
        if standing not in (REPORTER, CHANNEL_MEMBER, ANYONE) and incident.holders.get(standing) == actor:
            return Decision(True, wanted)
    if CHANNEL_MEMBER in wanted and is_member():
        return Decision(True, wanted)
    if is_admin():
        return Decision(True, wanted)
    return Decision(False, wanted, refusal_text(permissions, action, incident, wanted))


def refusal_text(permissions: Permissions, action: Action, incident: Standing, standings: Sequence[str]) -> str:
    """``Only the incident commander <@U1>, the reporter <@U2> or an admin can resolve INC-…. Nothing was changed.``"""
    who = [_who(s, incident) for s in standings]
    if permissions.has_admins or not who:
        who.append("an admin")
    listed = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " or " + who[-1]
    doing = DOING[action].format(ref=incident.ref or "this incident")
    return f"Only {listed} can {doing}. Nothing was changed."


def _who(standing: str, incident: Standing) -> str:
    if standing == ANYONE:
        return "anyone"
    if standing == CHANNEL_MEMBER:
        return f"members of <#{incident.channel_id}>" if incident.channel_id else "members of the incident channel"
    if standing == REPORTER:
        return f"the reporter <@{incident.reporter_id}>" if incident.reporter_id else "the reporter"
    name = "incident commander" if standing == IC else incident.role_names.get(standing, standing)
    holder = incident.holders.get(standing)
    return f"the {name} <@{holder}>" if holder else f"the {name}"
