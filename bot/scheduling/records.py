"""Timeline rows for what the scheduler and the pagers do: pages, escalations, reminders, chain ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.playbooks.oncall import NotifyTarget, OnCall
from bot.scheduling.rotation import on_call
from bot.storage import repositories as repo
from bot.storage.models import Incident

PAGED = "paged"
ESCALATED = "escalated"
NOBODY_ACKNOWLEDGED = "nobody_acknowledged"
NUDGED = "nudged"
SNOOZED = "snoozed"
# Every kind written by paging and update reminders.
PAGING_KINDS = frozenset({PAGED, ESCALATED, NOBODY_ACKNOWLEDGED, NUDGED, SNOOZED})


def who(oncall: OnCall, targets: Iterable[NotifyTarget], at: datetime) -> list[str]:
    """The people a page reaches at ``at``, as far as the playbooks tell without asking Slack.

    Schedules become whoever is on call then (a user id or an email as written); groups and emails stay
    as written. The Slack DMs resolve emails and groups to user ids when they are sent.
    """
    found: list[str] = []
    for target in targets:
        if target.kind == "schedule":
            schedule = oncall.schedules.get(target.value)
            person = on_call(schedule, at) if schedule is not None else None
            entry = person if person else f"{target} (nobody on call)"
        else:
            entry = target.value
        if entry not in found:
            found.append(entry)
    return found


def shown(entry: str) -> str:
    if "@" in entry or " " in entry:
        return entry
    if entry.startswith("S"):
        return f"<!subteam^{entry}>"
    return f"<@{entry}>"


def record_page(
    session: Session,
    incident: Incident,
    oncall: OnCall,
    targets: Iterable[NotifyTarget],
    *,
    at: datetime,
    reason: str,
    policy_id: str,
    level: int | None = None,
    cycle: int = 0,
    actor_id: str | None = None,
    rule: str | None = None,
) -> list[str]:
    """A ``paged`` row: who was paged, at which level (0-based; ``None`` outside the chain) and why."""
    targets = tuple(targets)
    people = who(oncall, targets, at)
    where = f"level {level + 1}" + (f" (pass {cycle + 1})" if cycle else "") if level is not None else rule
    repo.add_entry(
        session,
        incident,
        PAGED,
        actor_id,
        f"Paged {', '.join(shown(p) for p in people) or 'nobody'} ({where}): {reason}",
        {
            "people": people,
            "targets": [str(t) for t in targets],
            "level": level,
            "cycle": cycle,
            "policy": policy_id,
            "reason": reason,
            **({"rule": rule} if rule else {}),
        },
        at=at,
    )
    return people
