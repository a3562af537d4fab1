"""The App Home use cases: what one person sees on the bot's Home tab, and joining an incident from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.domain.followups import FollowUpView
from bot.domain.rotation import shift_at
from bot.playbooks.oncall import OnCall
from bot.services.context import ServiceContext
from bot.services.errors import UserError
from bot.services.postmortems import OwedPostmortem
from bot.services.read_models import IncidentView, incident_view
from bot.storage import repositories as repo


class IncidentVisibility(Protocol):
    """Whether a person may see an incident: everybody sees public ones, members see private ones."""

    def can_see(self, incident: IncidentView, actor: str) -> bool: ...


@dataclass(frozen=True)
class OnCallNow:
    """One schedule's current shift: the playbook entry on call, as user ids when Slack knows them."""

    schedule_id: str
    timezone: str
    entry: str | None
    people: tuple[str, ...]
    until: datetime


@dataclass(frozen=True)
class HeldRoles:
    incident: IncidentView
    roles: tuple[str, ...]  # role names, as the incident's playbook snapshot calls them


@dataclass(frozen=True)
class HomeData:
    """Everything the Home tab shows one person, at one instant."""

    user_id: str
    now: datetime
    incidents: list[IncidentView]  # open and visible to this person, most severe first, oldest first
    hidden: int  # open private incidents this person is not a member of
    mine: list[HeldRoles]
    oncall: list[OnCallNow]
    follow_ups: list[FollowUpView] = field(default_factory=list)  # theirs, open, of incidents they may see
    postmortems: list[OwedPostmortem] = field(default_factory=list)  # the post-mortems they are reminded of


class HomeService:
    """Reads only; the Home tab is published by the transport from ``home(user)``."""

    def __init__(
        self,
        ctx: ServiceContext,
        schedules: Callable[[], OnCall],
        person: Callable[[str], tuple[str, ...]],
        visibility: IncidentVisibility,
        follow_ups: Callable[[str], Sequence[FollowUpView]] = lambda user_id: (),
        postmortems: Callable[[str], Sequence[OwedPostmortem]] = lambda user_id: (),
    ) -> None:
        self.ctx = ctx
        self.schedules = schedules
        self.person = person
        self.visibility = visibility
        self.follow_ups = follow_ups
        self.postmortems = postmortems

    def home(self, user_id: str) -> HomeData:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            open_now = [incident_view(i) for i in repo.open_incidents(session)]
        shown = [i for i in open_now if self.visibility.can_see(i, user_id)]
        return HomeData(
            user_id=user_id,
            now=now,
            incidents=shown,
            hidden=len(open_now) - len(shown),
            mine=held_by(shown, user_id),
            oncall=self.on_call_now(now),
            follow_ups=list(self.follow_ups(user_id)),
            postmortems=list(self.postmortems(user_id)),
        )

    def on_call_now(self, now: datetime) -> list[OnCallNow]:
        rows = []
        for schedule in self.schedules().schedules.values():
            shift = shift_at(schedule, now)
            people = self.person(shift.person) if shift.person else ()
            rows.append(OnCallNow(schedule.id, schedule.timezone.key, shift.person, people, shift.end))
        return rows

    def join(self, incident_id: int, user_id: str) -> IncidentView:
        """The incident a person asks to join from the Home tab, refused when they may not see it."""
        with self.ctx.uow() as session:
            row = repo.get_incident(session, incident_id)
            incident = incident_view(row) if row is not None else None
        if incident is None or not self.visibility.can_see(incident, user_id):
            # The same answer for a missing and a hidden incident: nothing about a private one leaks.
            raise UserError(
                "That incident is not open to you. Private incidents are joined by invitation "
                "from their incident commander."
            )
        if not incident.status.is_open:
            raise UserError(f"*{incident.ref}* is resolved; there is nothing to join.")
        if not incident.channel_id:
            raise UserError("The incident channel is still being created; try again in a few seconds.")
        return incident


def held_by(incidents: Sequence[IncidentView], user_id: str) -> list[HeldRoles]:
    found = []
    for incident in incidents:
        roles = tuple(h.role.name for h in incident.roles if h.user_id == user_id)
        if roles:
            found.append(HeldRoles(incident, roles))
    return found
