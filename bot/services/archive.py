"""Resolved incidents written to the export bucket: the export (YAML) and the post-mortem (Markdown), once each."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from bot.domain.events import ExportIncident
from bot.domain.postmortems import export_key
from bot.services.export import ExportService, render
from bot.services.outbox import Delivery, GiveUp
from bot.storage import postmortems as store
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork

log = logging.getLogger(__name__)
Person = Callable[[str], str]


class ObjectStore(Protocol):
    """A bucket (S3): ``put`` raises ``RetryLater`` while it is unreachable, ``GiveUp`` when it refuses."""

    def put(self, key: str, body: bytes, content_type: str) -> None: ...


class IncidentArchive:
    """The ``ExportIncident`` handler. Each document is its own step, so a retry after an outage writes only
    what is still missing; the documents are read when the delivery runs (the latest resolution's state)."""

    def __init__(self, bucket: ObjectStore | None, uow: UnitOfWork, person: Person) -> None:
        self.bucket = bucket
        self.uow = uow
        self.person = person

    def export(self, d: Delivery, event: ExportIncident) -> None:
        if self.bucket is None:  # EXPORT_S3_BUCKET unset since the export was queued
            log.info("incident export not written: no export bucket is configured")
            d.mark("yaml", "no bucket")
            return
        with self.uow() as session:
            incident = repo.incident_by_ref(session, event.ref)
            if incident is None:
                raise GiveUp(f"incident {event.ref} is gone")
            year, incident_id = incident.declared_at.year, incident.id
        if not d.done("yaml"):
            document = ExportService(self.uow).document(event.ref, self.person)
            body = render(document, "yaml").encode()
            self.bucket.put(export_key(event.ref, year, "yaml"), body, "application/yaml")
            d.mark("yaml")
        if not d.done("md"):
            with self.uow() as session:
                row = store.of_incident(session, incident_id)
                text = row.markdown if row is not None else ""
            if text:
                self.bucket.put(export_key(event.ref, year, "md"), text.encode(), "text/markdown; charset=utf-8")
            d.mark("md", bool(text) or "no post-mortem")
