"""What an incident summary is built from: the incident as stored and its timeline, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.followups import FollowUpView
from bot.logs import bind_incident
from bot.services.context import ServiceContext
from bot.services.errors import NotAnIncidentChannel
from bot.services.read_models import EntryView, IncidentView, entry_view, incident_view
from bot.storage import followups
from bot.storage import repositories as repo


@dataclass(frozen=True)
class SummaryFacts:
    incident: IncidentView
    entries: tuple[EntryView, ...]
    follow_ups: tuple[FollowUpView, ...] = ()


class SummaryService:
    """Read-only: the facts a summary (or a newcomer's catch-up) shows."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def for_channel(self, channel_id: str) -> SummaryFacts:
        """The summary facts of the incident whose channel this is; ``NotAnIncidentChannel`` elsewhere."""
        with self.ctx.uow() as session:
            incident = repo.incident_by_channel(session, channel_id)
            if incident is None:
                raise NotAnIncidentChannel("")
            bind_incident(incident.ref)
            entries = tuple(entry_view(e) for e in repo.timeline(session, incident.id))
            open_ones = tuple(followups.view(f) for f in followups.of_incident(session, incident.id, open_only=True))
            return SummaryFacts(incident_view(incident), entries, open_ones)

