"""The incident timeline: messages captured from Slack (pins, reactions) and reading it page by page."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.domain.events import MessageCaptured
from bot.domain.timeline import CAPTURED, capture_key, captured_text, message_time
from bot.logs import bind_incident
from bot.services.context import ServiceContext
from bot.services.errors import IncidentNotFound, NotAnIncidentChannel, UserError
from bot.services.read_models import EntryView, IncidentView, entry_view, incident_view
from bot.storage import outbox
from bot.storage import repositories as repo
from bot.storage.models import Incident

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    """A message someone marked for the timeline: where, which one, who marked it and how.

    ``author_id`` and ``text`` are the message's when the Slack event carried it (``pin_added`` does,
    ``reaction_added`` does not: they are fetched afterwards).
    """

    channel_id: str
    ts: str
    by: str
    via: str
    author_id: str | None = None
    text: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class Timeline:
    incident: IncidentView
    entries: tuple[EntryView, ...]


class TimelineService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def capture(self, capture: Capture) -> bool:
        """Add the message to its incident's timeline, once per message; False when it is not an incident
        channel's message or is already there. The entry is the message's: its author, its time."""
        at = message_time(capture.ts)
        if at is None or not capture.channel_id:
            return False
        with self.ctx.uow() as session:
            incident = repo.incident_by_channel(session, capture.channel_id)
            if incident is None:
                return False
            bind_incident(incident.ref)
            entry = repo.add_entry_once(
                session,
                incident,
                CAPTURED,
                capture.author_id,
                captured_text(capture.text or ""),
                capture_key(capture.channel_id, capture.ts),
                data={"by": capture.by, "via": capture.via},
                occurred_at=at,
                channel_ts=capture.ts,
                permalink=capture.permalink,
            )
            if entry is None:
                return False
            outbox.enqueue(
                session,
                incident.id,
                MessageCaptured(
                    entry_id=entry.id,
                    channel=capture.channel_id,
                    ts=capture.ts,
                    fetch_text=capture.text is None,
                ),
            )
        log.info("captured message %s into the timeline (%s by %s)", capture.ts, capture.via, capture.by)
        return True

    def of_channel(self, channel_id: str, actor_id: str) -> Timeline:
        with self.ctx.uow() as session:
            incident = repo.incident_by_channel(session, channel_id)
            if incident is None:
                raise NotAnIncidentChannel("timeline")
            return self._read(session, incident, actor_id)

    def of_ref(self, ref: str, actor_id: str) -> Timeline:
        with self.ctx.uow() as session:
            incident = repo.incident_by_ref(session, ref.upper())
            if incident is None:
                raise UserError(f"There is no incident `{ref}`. `/incident list` shows the open ones.")
            return self._read(session, incident, actor_id)

    def of_incident(self, incident_id: int, actor_id: str) -> Timeline:
        with self.ctx.uow() as session:
            incident = repo.get_incident(session, incident_id)
            if incident is None:
                raise IncidentNotFound()
            return self._read(session, incident, actor_id)

    def _read(self, session: Session, incident: Incident, actor_id: str) -> Timeline:
        bind_incident(incident.ref)
        self.ctx.access.require_visible(incident, actor_id)
        entries = tuple(entry_view(e) for e in repo.timeline(session, incident.id))
        return Timeline(incident_view(incident), entries)
