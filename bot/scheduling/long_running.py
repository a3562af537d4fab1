"""Long-running pages: the due times of escalation policies' ``long_running`` rules for open incidents."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.status import Status
from bot.playbooks.oncall import LongRunningRule, NotifyTarget, OnCall
from bot.scheduling.tables import EffectFired
from bot.services.read_models import snapshot_severities
from bot.storage.models import Incident

LONG_RUNNING = "long_running"


@dataclass(frozen=True)
class Pending:
    """Rules of one policy falling due at the same instant (declaration + ``after``): paged together, once."""

    due_at: datetime
    policy_id: str
    rules: tuple[LongRunningRule, ...]

    @property
    def targets(self) -> tuple[NotifyTarget, ...]:
        found: list[NotifyTarget] = []
        for rule in self.rules:
            found += [t for t in rule.notify if t not in found]
        return tuple(found)

    def reason(self, severity_id: str) -> str:
        return f"{severity_id} open for over {format_duration(self.rules[0].after)}"


def pending(incident: Incident, oncall: OnCall, fired: Collection[datetime]) -> list[Pending]:
    """The incident's rules not fired yet, earliest first, under its current severity's policy."""
    severity = snapshot_severities(incident.policy_snapshot).lookup(incident.severity_id)
    policy = oncall.policies.get(severity.escalation or "") if severity is not None else None
    if policy is None:
        return []
    by_due: dict[datetime, list[LongRunningRule]] = {}
    for rule in policy.long_running:
        due = incident.declared_at + rule.after
        if rule.applies_to(incident.severity_id) and due not in fired:
            by_due.setdefault(due, []).append(rule)
    return [Pending(due, policy.id, tuple(rules)) for due, rules in sorted(by_due.items())]


def fired_at(session: Session, incident_ids: Collection[int]) -> dict[int, set[datetime]]:
    """The long-running due times already fired, per incident."""
    found: dict[int, set[datetime]] = {iid: set() for iid in incident_ids}
    if not incident_ids:
        return found
    rows = session.execute(
        select(EffectFired.incident_id, EffectFired.due_at).where(
            EffectFired.kind == LONG_RUNNING, EffectFired.incident_id.in_(list(incident_ids))
        )
    ).all()
    for iid, due in rows:
        found.setdefault(iid, set()).add(due)
    return found


def due_times(session: Session, oncall: OnCall) -> list[tuple[int, datetime]]:
    """The next long-running page due for each open incident that has one."""
    if not any(policy.long_running for policy in oncall.policies.values()):
        return []
    incidents = session.execute(select(Incident).where(Incident.status != Status.RESOLVED.value)).scalars().all()
    fired = fired_at(session, [i.id for i in incidents])
    result: list[tuple[int, datetime]] = []
    for incident in incidents:
        upcoming = pending(incident, oncall, fired.get(incident.id, set()))
        if upcoming:
            result.append((incident.id, upcoming[0].due_at))
    return result
