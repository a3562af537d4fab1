"""Publications as outbox handlers read them: one update, its Statuspage incident id and marker, refusals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.events import StatuspageRefused
from bot.domain.publication import ComponentState, PublicStatus
from bot.storage import outbox
from bot.storage import publications as store
from bot.storage.db import UnitOfWork


@dataclass(frozen=True)
class Publication:
    """One public update as Statuspage needs it, with what is known of its Statuspage incident."""

    update_id: int
    incident_id: int
    public_title: str
    status: PublicStatus
    message: str
    components: tuple[ComponentState, ...]
    published_by: str
    statuspage_incident_id: str | None
    # Set before a create is sent: when present without an id, a create may have reached Statuspage.
    statuspage_marker: str | None


class PublicationRecords:
    """Each method is its own short transaction (the handler calls Statuspage between them)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def load(self, update_id: int) -> Publication | None:
        with self.uow() as session:
            row = session.get(store.PublicUpdate, update_id)
            if row is None:
                return None
            public = store.public_incident(session, row.incident_id)
            return Publication(
                update_id=row.id,
                incident_id=row.incident_id,
                public_title=row.public_title,
                status=PublicStatus(row.public_status),
                message=row.message,
                components=tuple(store.component_states(row)),
                published_by=row.published_by,
                statuspage_incident_id=public.statuspage_incident_id if public else None,
                statuspage_marker=public.statuspage_marker if public else None,
            )

    def mark_create(self, incident_id: int, marker: str) -> None:
        """Committed before the create is sent, so a retry knows to look for what it may have created."""
        with self.uow() as session:
            public = store.public_incident(session, incident_id, lock=True)
            if public is not None:
                public.statuspage_marker = marker

    def created(self, incident_id: int, statuspage_incident_id: str) -> None:
        with self.uow() as session:
            public = store.public_incident(session, incident_id, lock=True)
            if public is not None:
                public.statuspage_incident_id = statuspage_incident_id

    def refused(self, publication: Publication, reason: str) -> None:
        """Queue the notice telling the publisher, in the incident channel, why Statuspage refused."""
        with self.uow() as session:
            outbox.enqueue(
                session,
                publication.incident_id,
                StatuspageRefused(
                    update_id=publication.update_id, publisher=publication.published_by, reason=reason[:500]
                ),
            )
