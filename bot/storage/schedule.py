"""Queries on the due-time tables: update reminders, escalation chains and the effects already fired."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.escalation import LIVE_STATES, ChainState
from bot.domain.status import Status
from bot.storage.models import Incident
from bot.storage.scheduling_models import EffectFired, Escalation

_LIVE = tuple(s.value for s in LIVE_STATES)


# -- effects fired ---------------------------------------------------------------------------------
def claim_effect(
    session: Session,
    incident_id: int,
    kind: str,
    due_at: datetime,
    at: datetime | None = None,
    **detail: object,
) -> bool:
    """Record that ``kind`` fired for ``due_at`` (at ``at``); False when it already had (another fire, another
    leader)."""
    row = EffectFired(incident_id=incident_id, kind=kind, due_at=due_at, detail=dict(detail))
    if at is not None:
        row.fired_at = at
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def count_effects(session: Session, incident_id: int, kind: str, *, due_after: datetime | None = None) -> int:
    stmt = select(func.count(EffectFired.id)).where(EffectFired.incident_id == incident_id, EffectFired.kind == kind)
    if due_after is not None:
        stmt = stmt.where(EffectFired.due_at > due_after)
    return int(session.execute(stmt).scalar_one())


def last_effect(session: Session, incident_id: int, kind: str) -> EffectFired | None:
    """The ``kind`` effect with the latest due time."""
    stmt = (
        select(EffectFired)
        .where(EffectFired.incident_id == incident_id, EffectFired.kind == kind)
        .order_by(EffectFired.due_at.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def effect_due_times(session: Session, kind: str, incident_ids: Collection[int]) -> dict[int, set[datetime]]:
    """The due times of ``kind`` effects already fired, per incident (every given id is a key)."""
    found: dict[int, set[datetime]] = {iid: set() for iid in incident_ids}
    if not incident_ids:
        return found
    rows = session.execute(
        select(EffectFired.incident_id, EffectFired.due_at).where(
            EffectFired.kind == kind, EffectFired.incident_id.in_(list(incident_ids))
        )
    ).all()
    for iid, due in rows:
        found.setdefault(iid, set()).add(due)
    return found


# -- update reminders ------------------------------------------------------------------------------
def reminder_due_times(session: Session) -> list[tuple[int, datetime]]:
    """``(incident id, next_update_due_at)`` of every open incident that has a reminder due."""
    rows = session.execute(
        select(Incident.id, Incident.next_update_due_at).where(
            Incident.status != Status.RESOLVED.value, Incident.next_update_due_at.is_not(None)
        )
    ).all()
    return [(iid, due) for iid, due in rows if due is not None]


# -- escalation chains -----------------------------------------------------------------------------
def chain_of(session: Session, incident_id: int, *, lock: bool = False) -> Escalation | None:
    stmt = select(Escalation).where(Escalation.incident_id == incident_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def start_chain(session: Session, incident_id: int, policy_id: str, due_at: datetime | None) -> Escalation | None:
    """A new active chain on ``policy_id`` with nothing paged yet; None if the incident already has one."""
    try:
        with session.begin_nested():
            chain = Escalation(
                incident_id=incident_id, policy_id=policy_id, state=ChainState.ACTIVE.value, next_due_at=due_at
            )
            session.add(chain)
            session.flush()
    except IntegrityError:
        return None
    return chain


def chain_due_times(session: Session) -> list[tuple[int, datetime]]:
    """``(incident id, next_due_at)`` of active chains of open, unacknowledged incidents."""
    rows = session.execute(
        select(Escalation.incident_id, Escalation.next_due_at)
        .join(Incident, Incident.id == Escalation.incident_id)
        .where(
            Escalation.state == ChainState.ACTIVE.value,
            Escalation.next_due_at.is_not(None),
            Incident.status != Status.RESOLVED.value,
            Incident.acknowledged_at.is_(None),
        )
    ).all()
    return [(iid, due) for iid, due in rows if due is not None]


def unchained_incidents(session: Session) -> list[Incident]:
    """Open, unacknowledged incidents that have no chain yet."""
    has_chain = select(Escalation.id).where(Escalation.incident_id == Incident.id).exists()
    stmt = select(Incident).where(
        Incident.status != Status.RESOLVED.value, Incident.acknowledged_at.is_(None), ~has_chain
    )
    return list(session.execute(stmt).scalars())


def live_chains_of_open_incidents(session: Session) -> list[tuple[Escalation, Incident]]:
    """Every chain still following an open incident, locked for update."""
    rows = session.execute(
        select(Escalation, Incident)
        .join(Incident, Incident.id == Escalation.incident_id)
        .where(Escalation.state.in_(_LIVE))
        .where(Incident.status != Status.RESOLVED.value)
        .with_for_update(of=Escalation)
    ).all()
    return [(chain, incident) for chain, incident in rows]


def live_chains_to_close(session: Session) -> list[tuple[Escalation, Incident]]:
    """Live chains whose incident was acknowledged or resolved."""
    rows = session.execute(
        select(Escalation, Incident)
        .join(Incident, Incident.id == Escalation.incident_id)
        .where(Escalation.state.in_(_LIVE))
        .where((Incident.acknowledged_at.is_not(None)) | (Incident.status == Status.RESOLVED.value))
    ).all()
    return [(chain, incident) for chain, incident in rows]


def open_incidents(session: Session) -> list[Incident]:
    return list(session.execute(select(Incident).where(Incident.status != Status.RESOLVED.value)).scalars())


# -- channel archiving -----------------------------------------------------------------------------
def archive_due_times(session: Session) -> list[tuple[int, datetime]]:
    """``(incident id, archive_due_at)`` of resolved incidents whose channel is still to be archived."""
    rows = session.execute(
        select(Incident.id, Incident.archive_due_at).where(
            Incident.status == Status.RESOLVED.value,
            Incident.archive_due_at.is_not(None),
            Incident.channel_archived_at.is_(None),
        )
    ).all()
    return [(iid, due) for iid, due in rows if due is not None]
