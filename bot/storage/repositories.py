"""Queries and writes on the incident tables. Functions flush; only the unit of work commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.storage.models import (
    Incident,
    IncidentCounter,
    ProcessedRequest,
    TimelineEntry,
    utcnow,
)


def next_sequence(session: Session, year: int) -> int:
    """Atomically take the next number for ``year``: one upsert, safe under concurrent declarations."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(IncidentCounter)
        .values(year=year, last_seq=1)
        .on_conflict_do_update(
            index_elements=[IncidentCounter.year], set_={"last_seq": IncidentCounter.last_seq + 1}
        )
        .returning(IncidentCounter.last_seq)
    )
    return int(session.execute(stmt).scalar_one())


def get_incident(session: Session, incident_id: int, *, lock: bool = False) -> Incident | None:
    stmt = select(Incident).where(Incident.id == incident_id).options(selectinload(Incident.roles))
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def incident_by_channel(session: Session, channel_id: str, *, lock: bool = False) -> Incident | None:
    stmt = select(Incident).where(Incident.channel_id == channel_id).options(selectinload(Incident.roles))
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def incident_by_ref(session: Session, ref: str) -> Incident | None:
    stmt = select(Incident).where(Incident.ref == ref).options(selectinload(Incident.roles))
    return session.execute(stmt).scalar_one_or_none()


def open_incidents(session: Session) -> list[Incident]:
    stmt = (
        select(Incident)
        .where(Incident.status != "resolved")
        .options(selectinload(Incident.roles))
        .order_by(Incident.severity_rank, Incident.declared_at)
    )
    return list(session.execute(stmt).scalars())


def _same_declaration(reporter_id: str, title: str, since: datetime) -> list[Any]:
    return [
        Incident.reporter_id == reporter_id,
        func.lower(Incident.title) == title.lower(),
        Incident.declared_at >= since,
    ]


def recent_duplicate(session: Session, reporter_id: str, title: str, since: datetime) -> Incident | None:
    """An open incident the same person declared with the same title a moment ago."""
    stmt = (
        select(Incident)
        .where(*_same_declaration(reporter_id, title, since), Incident.status != "resolved")
        .options(selectinload(Incident.roles))
        .order_by(Incident.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def recent_declarations(session: Session, reporter_id: str, title: str, since: datetime) -> int:
    """How many incidents the same person declared with the same title since ``since`` (any status)."""
    stmt = select(func.count(Incident.id)).where(*_same_declaration(reporter_id, title, since))
    return int(session.execute(stmt).scalar_one())


def add_entry(
    session: Session,
    incident: Incident,
    kind: str,
    actor_id: str | None,
    text: str = "",
    data: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
    dedup_key: str | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=incident.id,
        kind=kind,
        actor_id=actor_id,
        text=text,
        data=data or {},
        occurred_at=at or utcnow(),
        dedup_key=dedup_key,
    )
    session.add(entry)
    session.flush()
    return entry


def add_entry_once(
    session: Session, incident: Incident, kind: str, actor_id: str | None, text: str, dedup_key: str, **fields: Any
) -> TimelineEntry | None:
    """Add an entry unless one with ``dedup_key`` exists (also against a concurrent insert); None if it did."""
    if session.execute(select(TimelineEntry.id).where(TimelineEntry.dedup_key == dedup_key)).first() is not None:
        return None
    entry = TimelineEntry(incident_id=incident.id, kind=kind, actor_id=actor_id, text=text, dedup_key=dedup_key)
    for key, value in fields.items():
        setattr(entry, key, value)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        return None
    return entry


def get_entry(session: Session, entry_id: int) -> TimelineEntry | None:
    return session.get(TimelineEntry, entry_id)


def timeline(session: Session, incident_id: int) -> list[TimelineEntry]:
    stmt = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
    )
    return list(session.execute(stmt).scalars())


def claim_request(session: Session, key: str) -> bool:
    """Record ``key`` as handled; False when it was already there (a retry or a double submission)."""
    if session.get(ProcessedRequest, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedRequest(key=key))
            session.flush()
    except IntegrityError:
        return False
    return True
