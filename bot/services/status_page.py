"""The public status page's data: only what people published, read once per cache period for every reader.

Nothing internal is read into it: no incident title, update, note, person or channel; only the public
title, status, message and component statuses of publications, and the component names of statuspage.yaml.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.publication import ComponentStatus, PublicStatus, StatusPageCatalog, worst
from bot.storage import publications
from bot.storage import status_page as reads
from bot.storage.db import UnitOfWork
from bot.storage.publications import PublicIncident, PublicUpdate

log = logging.getLogger(__name__)

HISTORY = timedelta(days=90)
OVERALL = {
    ComponentStatus.OPERATIONAL: "All systems operational",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
}


class StatusPageUnavailable(Exception):
    """The database cannot be read and nothing was read before: the page cannot be shown yet."""


@dataclass(frozen=True)
class ComponentView:
    id: str
    name: str
    group: str
    status: ComponentStatus


@dataclass(frozen=True)
class UpdateView:
    """One publication as the public reads it."""

    id: int
    status: PublicStatus
    message: str
    published_at: datetime
    components: tuple[ComponentView, ...] = ()

    @property
    def affected(self) -> tuple[ComponentView, ...]:
        """The components this update said were not operational."""
        return tuple(c for c in self.components if c.status is not ComponentStatus.OPERATIONAL)


@dataclass(frozen=True)
class PublicIncidentView:
    id: int
    title: str
    status: PublicStatus
    started_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    updates: tuple[UpdateView, ...] = ()  # newest first

    @property
    def components(self) -> tuple[str, ...]:
        """Names of the components any of its updates said were not operational, in first-named order."""
        names: list[str] = []
        for update in reversed(self.updates):
            names += [c.name for c in update.affected if c.name not in names]
        return tuple(names)


@dataclass(frozen=True)
class StatusPage:
    title: str
    generated_at: datetime
    overall: ComponentStatus
    components: tuple[ComponentView, ...]
    open: tuple[PublicIncidentView, ...]
    resolved: tuple[PublicIncidentView, ...]

    @property
    def overall_label(self) -> str:
        return OVERALL[self.overall]

    @property
    def updated_at(self) -> datetime | None:
        """The latest publication shown (the page's last change), if any."""
        times = [u.published_at for i in (*self.open, *self.resolved) for u in i.updates]
        times += [i.updated_at for i in (*self.open, *self.resolved)]
        return max(times, default=None)

    def groups(self) -> list[tuple[str, list[ComponentView]]]:
        """Components under their group headings, in file order ("" for ungrouped ones)."""
        grouped: dict[str, list[ComponentView]] = {}
        for comp in self.components:
            grouped.setdefault(comp.group, []).append(comp)
        return list(grouped.items())

    def to_json(self) -> dict[str, object]:
        """The documented shape of ``GET /status.json`` (README, "The status page")."""
        updated = self.updated_at
        return {
            "page": {
                "title": self.title,
                "generated_at": _iso(self.generated_at),
                "updated_at": _iso(updated) if updated else None,
            },
            "status": {"indicator": self.overall.value, "description": self.overall_label},
            "components": [_component_json(c) for c in self.components],
            "incidents": [_incident_json(i) for i in self.open],
            "resolved": [_incident_json(i) for i in self.resolved],
        }


@dataclass
class _Cached:
    page: StatusPage
    fresh_until: float


@dataclass
class StatusPageReader:
    """Reads the page at most once per ``ttl_seconds`` whatever the number of readers (they share it).

    If the database cannot be read, the last page read is shown (stale) rather than an error. ``ticker`` is
    the monotonic clock of the cache (tests replace it).
    """

    uow: UnitOfWork
    catalog: Callable[[], StatusPageCatalog]
    clock: Callable[[], datetime]
    title: str = "Service status"
    ttl_seconds: float = 5.0
    ticker: Callable[[], float] = time.monotonic
    _cached: _Cached | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def page(self) -> StatusPage:
        cached = self._cached
        if cached is not None and self.ticker() < cached.fresh_until:
            return cached.page
        # One reader refreshes; the others get the page read before meanwhile (or, before any, wait for it),
        # so a slow database never piles readers up behind the refresh.
        if not self._lock.acquire(blocking=cached is None):
            assert cached is not None
            return cached.page
        try:
            cached = self._cached
            if cached is not None and self.ticker() < cached.fresh_until:
                return cached.page
            try:
                page = self.read()
            except Exception as error:
                if cached is None:
                    raise StatusPageUnavailable() from error
                log.warning("status page: database unreadable, showing the page read before (%s)", error)
                page = cached.page
            self._cached = _Cached(page, self.ticker() + self.ttl_seconds)
            return page
        finally:
            self._lock.release()

    def invalidate(self) -> None:
        """Forget the page read: the next reader reads the database again."""
        with self._lock:
            self._cached = None

    def read(self) -> StatusPage:
        """The page from the database now (no cache)."""
        now = self.clock()
        catalog = self.catalog()
        with self.uow() as session:
            rows = reads.shown_incidents(session, now - HISTORY)
            updates = reads.updates_of_all(session, [r.incident_id for r in rows])
            current = publications.current_component_status(session)
            incidents = [_incident(row, [u for u in updates if u.incident_id == row.incident_id], catalog) for row in rows]
        components = tuple(
            ComponentView(c.id, c.name, c.group, current.get(c.id, ComponentStatus.OPERATIONAL)) for c in catalog
        )
        return StatusPage(
            title=self.title,
            generated_at=now,
            overall=worst(c.status for c in components),
            components=components,
            open=tuple(i for i in incidents if i.status is not PublicStatus.RESOLVED),
            resolved=tuple(i for i in incidents if i.status is PublicStatus.RESOLVED),
        )


def _incident(row: PublicIncident, updates: Sequence[PublicUpdate], catalog: StatusPageCatalog) -> PublicIncidentView:
    return PublicIncidentView(
        id=row.id,
        title=row.public_title,
        status=_public_status(row.public_status),
        started_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        updates=tuple(_update(u, catalog) for u in updates),
    )


def _update(row: PublicUpdate, catalog: StatusPageCatalog) -> UpdateView:
    named = []
    for state in publications.component_states(row):
        comp = catalog.get(state.id)
        if comp is not None:  # a component since removed from statuspage.yaml is not shown
            named.append(ComponentView(comp.id, comp.name, comp.group, state.status))
    return UpdateView(row.id, _public_status(row.public_status), row.message, row.published_at, tuple(named))


def _public_status(value: str) -> PublicStatus:
    try:
        return PublicStatus(value)
    except ValueError:
        return PublicStatus.INVESTIGATING


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _component_json(comp: ComponentView) -> dict[str, object]:
    return {"id": comp.id, "name": comp.name, "group": comp.group or None, "status": comp.status.value}


def _incident_json(incident: PublicIncidentView) -> dict[str, object]:
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status.value,
        "started_at": _iso(incident.started_at),
        "updated_at": _iso(incident.updated_at),
        "resolved_at": _iso(incident.resolved_at) if incident.resolved_at else None,
        "components": list(incident.components),
        "updates": [
            {
                "id": u.id,
                "status": u.status.value,
                "message": u.message,
                "published_at": _iso(u.published_at),
                "components": [{"id": c.id, "name": c.name, "status": c.status.value} for c in u.components],
            }
            for u in incident.updates
        ],
    }
