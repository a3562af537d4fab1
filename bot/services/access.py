"""The use-case check of who may act on (or see) an incident, the same whichever path the request took."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.permissions import DEFAULT_PERMISSIONS, Action, Decision, Permissions, Standing, decide
from bot.services.errors import UserError
from bot.services.read_models import IncidentView, snapshot_roles
from bot.storage.models import Incident

log = logging.getLogger(__name__)

Subject = Incident | IncidentView


class NotPermitted(UserError):
    """The person may not do this to this incident; nothing was changed."""


class Membership(Protocol):
    """Who is in a channel and in a user group, as the chat workspace says (cached briefly by the adapter)."""

    def in_channel(self, channel_id: str, user_id: str) -> bool | None:
        """Whether the person is in the channel, or ``None`` when that cannot be told right now."""
        ...

    def group_members(self, group_id: str) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Visible:
    """What a person may see of a list of incidents: the ones shown, and how many private ones are not."""

    shown: list[IncidentView]
    hidden: int


class Access:
    """Permissions from permissions.yaml applied to one incident and one person.

    Without ``membership`` (unit tests of a single service, tools with no chat workspace) channel
    membership cannot be checked and counts for everybody; the running bot always has it.
    """

    def __init__(self, permissions: Permissions = DEFAULT_PERMISSIONS, membership: Membership | None = None) -> None:
        self.permissions = permissions
        self.membership = membership

    # -- acting --------------------------------------------------------------------------------
    def check(
        self, action: Action, incident: Subject | None, actor: str, *, also: Sequence[str] = ()
    ) -> Decision:
        """Whether ``actor`` may do ``action``; ``also`` adds standings (a runbook step's allowed roles)."""
        facts = standing_of(incident) if incident is not None else Standing()
        standings = None
        if also:
            rule = self.permissions.rule(action).standings(facts.commander_id is not None)
            standings = tuple(dict.fromkeys((*rule, *also)))
        return decide(
            self.permissions,
            action,
            facts,
            actor,
            is_admin=lambda: self.is_admin(actor),
            is_member=lambda: incident is not None and self.is_member(incident, actor),
            standings=standings,
        )

    def require(self, action: Action, incident: Subject | None, actor: str) -> None:
        """Raise ``NotPermitted`` naming who may, unless ``actor`` may do ``action``."""
        decision = self.check(action, incident, actor)
        if not decision.allowed:
            log.info("refused %s on %s for %s", action.value, getattr(incident, "ref", "-"), actor)
            raise NotPermitted(decision.refusal)

    # -- seeing --------------------------------------------------------------------------------
    def can_see(self, incident: Subject, actor: str) -> bool:
        """Public incidents are seen by everybody; private ones by their channel's members and admins."""
        return not incident.private or self.is_member(incident, actor) or self.is_admin(actor)

    def require_visible(self, incident: Subject, actor: str) -> None:
        """Refuse without saying anything about a private incident the person is not in."""
        if not self.can_see(incident, actor):
            raise NotPermitted(
                "That incident is private: only the members of its channel can see or change it. "
                "Nothing was changed."
            )

    def visible(self, incidents: Iterable[IncidentView], actor: str) -> Visible:
        shown: list[IncidentView] = []
        hidden = 0
        for incident in incidents:
            if self.can_see(incident, actor):
                shown.append(incident)
            else:
                hidden += 1
        return Visible(shown, hidden)

    # -- who is who ----------------------------------------------------------------------------
    def is_admin(self, actor: str) -> bool:
        if actor in self.permissions.admin_users:
            return True
        if self.membership is None:
            return False
        return any(actor in self.membership.group_members(group) for group in self.permissions.admin_groups)

    def is_member(self, incident: Subject, actor: str) -> bool:
        """In the incident's channel; before the channel exists, the reporter and the role holders."""
        if self.membership is None:
            return True
        if not incident.channel_id:
            return actor in _people(incident)
        inside = self.membership.in_channel(incident.channel_id, actor)
        if inside is None:
            log.warning("cannot list the members of %s; treating %s as outside it", incident.channel_id, actor)
            return False
        return inside


def standing_of(incident: Subject) -> Standing:
    """The facts the permission rule reads, from a stored incident or its view."""
    if isinstance(incident, IncidentView):
        holders = {h.role.id: h.user_id for h in incident.roles if h.user_id}
        names = {h.role.id: h.role.name for h in incident.roles}
    else:
        holders = {a.role_id: a.user_id for a in incident.roles}
        names = {r.id: r.name for r in snapshot_roles(incident.policy_snapshot)}
    return Standing(
        ref=incident.ref,
        reporter_id=incident.reporter_id,
        holders=holders,
        role_names=names,
        channel_id=incident.channel_id,
    )


def _people(incident: Subject) -> set[str]:
    facts = standing_of(incident)
    return {p for p in (facts.reporter_id, *facts.holders.values()) if p}
