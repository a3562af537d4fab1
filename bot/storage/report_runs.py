"""Queries on the reports already sent: claim one run per kind and local day, and which days are done."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.scheduling_models import ReportRun


def claim_run(session: Session, kind: str, period: str, due_at: datetime, at: datetime) -> bool:
    """Record the ``kind`` run of ``period``; False when it was already sent (another replica, a restart)."""
    try:
        with session.begin_nested():
            session.add(ReportRun(kind=kind, period=period, due_at=due_at, fired_at=at))
            session.flush()
    except IntegrityError:
        return False
    return True


def sent_periods(session: Session, kind: str, periods: Collection[str]) -> set[str]:
    """Which of ``periods`` already had their ``kind`` run."""
    if not periods:
        return set()
    rows = session.execute(
        select(ReportRun.period).where(ReportRun.kind == kind, ReportRun.period.in_(list(periods)))
    ).scalars()
    return set(rows)
