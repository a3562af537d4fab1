"""Update reminders: when each open incident's next one is due, and the job that posts it exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.events import UpdateReminder
from bot.domain.publication import STATUS_PAGE_OVERDUE, StatusPagePolicy
from bot.domain.severity import Severity
from bot.domain.status import Status
from bot.services.escalation import severity_of
from bot.services.pages import NUDGED
from bot.services.reminders import NUDGE, SNOOZE
from bot.storage import outbox, publications, schedule
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork
from bot.storage.models import Incident


def ignored_nudges(session: Session, incident: Incident) -> int:
    """Reminders fired since the last update or snooze."""
    since = incident.last_update_at or incident.declared_at
    last_snooze = schedule.last_effect(session, incident.id, SNOOZE)
    if last_snooze is not None and last_snooze.due_at > since:
        since = last_snooze.due_at
    return schedule.count_effects(session, incident.id, NUDGE, due_after=since)


def reminder_text(waited: timedelta, ignored: int) -> str:
    """The ``nudged`` timeline row: how long since the last update, and how many reminders went unanswered."""
    earlier = ignored - 1
    unanswered = f" ({earlier} earlier reminder{'s' if earlier > 1 else ''} unanswered)" if earlier > 0 else ""
    return f"Update reminder: {format_duration(waited)} since the last update" + unanswered


def overdue_items(session: Session, incident: Incident, severity: Severity, now: datetime) -> list[str]:
    """What the reminder lists as overdue besides the update: the status page, when the severity suggests
    publishing and nothing was published within its ``respond_within``."""
    items: list[str] = []
    within = severity.respond_within
    if (
        severity.status_page == StatusPagePolicy.SUGGEST
        and not incident.private
        and within is not None
        and now - incident.declared_at >= within
        and publications.latest_update(session, incident.id) is None
    ):
        items.append(STATUS_PAGE_OVERDUE)
    return items


class NudgeJob:
    """``nudge`` jobs: one per open incident with a cadence, due at its ``next_update_due_at``."""

    kind = NUDGE

    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime], early: timedelta) -> None:
        self.uow = uow
        self.clock = clock
        self.early = early

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        return schedule.reminder_due_times(session)

    def fire(self, incident_id: int) -> bool:
        """Post the update reminder due now, once; then move the due time one cadence on."""
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None or incident.status == Status.RESOLVED.value:
                return False
            due = incident.next_update_due_at
            if due is None or due > now + self.early:
                return False
            severity = severity_of(incident)
            if severity is None or severity.update_every is None:
                incident.next_update_due_at = None
                return False
            if not schedule.claim_effect(session, incident.id, NUDGE, due, at=now):
                return False
            ignored = ignored_nudges(session, incident)  # includes this one
            # The next reminder comes one cadence after this one is sent, even when this one is late
            # (after a restart): never a burst of two reminders, never a backlog.
            incident.next_update_due_at = max(due, now) + severity.update_every
            since = incident.last_update_at or incident.declared_at
            repo.add_entry(
                session,
                incident,
                NUDGED,
                None,
                reminder_text(now - since, ignored),
                {"due_at": due.isoformat(), "ignored": ignored},
                at=now,
            )
            chain = schedule.chain_of(session, incident.id)
            outbox.enqueue(
                session,
                incident.id,
                UpdateReminder(
                    due_at=due,
                    since_seconds=int((now - since).total_seconds()),
                    ignored=ignored,
                    policy_id=severity.escalation,
                    next_level=(chain.level if chain is not None else -1) + 1,
                    overdue=overdue_items(session, incident, severity, now),
                ),
            )
        return True
