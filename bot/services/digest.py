"""The daily digest's content at one moment, read from the stored incidents, follow-ups and post-mortems."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.digest import Digest, DigestIncident, OverdueFollowUp, OverduePostmortem, OverdueUpdate
from bot.domain.followups import today as followup_today
from bot.services.read_models import IncidentView, incident_view
from bot.storage import digest_queries as queries
from bot.storage import repositories as repo

RESOLVED_WINDOW = timedelta(hours=24)


def build_digest(session: Session, day: date, at: datetime) -> Digest:
    """What the digest for local ``day`` says at ``at``; private incidents only counted."""
    open_now = [incident_view(i) for i in repo.open_incidents(session)]
    resolved = [incident_view(i) for i in queries.resolved_since(session, at - RESOLVED_WINDOW)]
    late_updates = [i for i in open_now if i.next_update_due_at is not None and i.next_update_due_at < at]
    late_followups = queries.follow_ups_due_before(session, followup_today(at))
    late_postmortems = queries.postmortems_due_before(session, at)
    return Digest(
        day=day,
        at=at,
        open=tuple(_shown(i) for i in open_now if not i.private),
        open_private=sum(1 for i in open_now if i.private),
        resolved=tuple(_shown(i) for i in resolved if not i.private),
        resolved_private=sum(1 for i in resolved if i.private),
        overdue_updates=tuple(
            OverdueUpdate(i.ref, i.title, i.next_update_due_at)
            for i in late_updates
            if not i.private and i.next_update_due_at is not None
        ),
        overdue_followups=tuple(
            OverdueFollowUp(inc.ref, f.number, f.text, f.owner_id, f.due_on)
            for f, inc in late_followups
            if not inc.private and f.due_on is not None
        ),
        overdue_postmortems=tuple(
            OverduePostmortem(inc.ref, inc.title, pm.due_at)
            for pm, inc in late_postmortems
            if not inc.private and pm.due_at is not None
        ),
        overdue_private=sum(1 for i in late_updates if i.private)
        + sum(1 for _, inc in late_followups if inc.private)
        + sum(1 for _, inc in late_postmortems if inc.private),
        postmortems_known=True,
    )


def _shown(i: IncidentView) -> DigestIncident:
    return DigestIncident(
        ref=i.ref,
        title=i.title,
        severity=i.severity,
        status=i.status.value,
        channel_id=i.channel_id,
        commander_id=i.commander_id,
        declared_at=i.declared_at,
        last_update_text=i.last_update_text,
        last_update_by=i.last_update_by,
        last_update_at=i.last_update_at,
        resolved_at=i.resolved_at,
    )
