"""Who may act on an attached runbook: clicks from the incident's own channel, AWS changes per permissions.yaml."""

from __future__ import annotations

from bot.domain.permissions import Action, Decision
from bot.playbooks.runbooks import AwsStep
from bot.services.access import Access
from bot.services.errors import UserError
from bot.services.read_models import snapshot_roles
from bot.storage.models import Incident


class WrongChannel(UserError):
    """A runbook button click that names an incident other than the one of the channel it came from."""


def require_channel(incident: Incident, from_channel: str | None) -> None:
    """Refuse a click whose payload names another incident than the channel's (a forged or copied value).

    ``None`` means the call did not come from a button (the slash command already found the incident from
    its channel). The other incident is not named: it may be private.
    """
    if from_channel is None:
        return
    if not incident.channel_id or from_channel != incident.channel_id:
        raise WrongChannel(
            "That button does not belong to this channel's incident, so nothing was changed. "
            "Use the runbook buttons in the incident's own channel."
        )


def roles_of(incident: Incident, user_id: str) -> set[str]:
    return {a.role_id for a in incident.roles if a.user_id == user_id}


def may_run(access: Access, step: AwsStep, incident: Incident, actor_id: str) -> Decision:
    """permissions.yaml's ``run_mutating_step`` standings, plus the roles the step itself allows."""
    return access.check(Action.RUN_MUTATING_STEP, incident, actor_id, also=step.allowed_roles)


def roles_text(step: AwsStep, incident: Incident, standings: tuple[str, ...] | None = None) -> str:
    catalog = snapshot_roles(incident.policy_snapshot)
    names = []
    for standing in standings or step.allowed_roles:
        role = catalog.lookup(standing)
        names.append(f"the {role.name if role else standing.replace('_', ' ')}")
    return " or ".join(names)


def refusal_text(step: AwsStep, incident: Incident, decision: Decision, admins: bool) -> str:
    who = roles_text(step, incident, decision.standings) + (" or an admin" if admins else "")
    return (
        f"Only {who} of this incident can run *{step.title}* (`{step.name}`), "
        "because it changes AWS. Nothing was run."
    )
