"""Update-reminder use cases: snooze the next reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.durations import format_duration
from bot.domain.status import Status
from bot.services.context import ServiceContext
from bot.services.errors import AlreadyHandled, IncidentNotFound, UserError
from bot.services.pages import SNOOZED
from bot.storage import repositories as repo
from bot.storage import schedule

# Effect kinds (``effects_fired.kind``): a reminder, keyed by its due time; a snooze, keyed by its moment.
NUDGE = "nudge"
SNOOZE = "snooze"
SNOOZE_FOR = timedelta(minutes=15)


class ReminderService:
    """Snooze (button): one transaction; the scheduler is woken after the commit."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def snooze(
        self, incident_id: int, user_id: str, for_: timedelta = SNOOZE_FOR, request_key: str | None = None
    ) -> str:
        """Push the next update reminder ``for_`` from now."""
        now: datetime = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("Already snoozed.")
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None:
                raise IncidentNotFound()
            if incident.status == Status.RESOLVED.value:
                raise UserError("This incident is resolved; there is nothing to remind about.")
            if not schedule.claim_effect(session, incident.id, SNOOZE, now, by=user_id):
                raise UserError("Already snoozed.")
            incident.next_update_due_at = now + for_
            repo.add_entry(
                session,
                incident,
                SNOOZED,
                user_id,
                f"Update reminder snoozed for {format_duration(for_)}",
                at=now,
            )
        return f":zzz: Snoozed: the next update reminder comes in {format_duration(for_)}."
