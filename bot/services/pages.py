"""Pages as the timeline and the outbox see them: one function writes both, with one meaning of ``at``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.events import LongRunningPage, PagePeople
from bot.domain.rotation import on_call
from bot.playbooks.oncall import NotifyTarget, OnCall
from bot.storage import outbox
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


def page_level(
    session: Session,
    incident: Incident,
    oncall: OnCall,
    targets: Iterable[NotifyTarget],
    *,
    at: datetime,
    reason: str,
    policy_id: str,
    level: int,
    cycle: int = 0,
    by: str | None = None,
) -> list[str]:
    """Page one level of a chain: its ``paged`` row and its ``PagePeople`` event, both at ``at``.

    ``at`` is the moment the page is sent (a fire, a declaration, an escalate click), not the step's due
    time: the timeline row and the pagers then name the same people, those on call when it goes out.
    """
    people = record_page(
        session, incident, oncall, targets, at=at, reason=reason, policy_id=policy_id, level=level, cycle=cycle,
        actor_id=by,
    )
    outbox.enqueue(
        session,
        incident.id,
        PagePeople(level=level, cycle=cycle, reason=reason, at=at, policy_id=policy_id, by=by),
    )
    return people


def page_rule(
    session: Session,
    incident: Incident,
    oncall: OnCall,
    targets: Iterable[NotifyTarget],
    *,
    at: datetime,
    reason: str,
    policy_id: str,
    rule: str,
) -> list[str]:
    """Page people outside the chain (a ``long_running`` rule): its ``paged`` row and event, both at ``at``."""
    targets = tuple(targets)
    people = record_page(session, incident, oncall, targets, at=at, reason=reason, policy_id=policy_id, rule=rule)
    outbox.enqueue(
        session,
        incident.id,
        LongRunningPage(targets=tuple(str(t) for t in targets), reason=reason, at=at, policy_id=policy_id),
    )
    return people
