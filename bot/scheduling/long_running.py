"""Long-running pages: the due times of escalation policies' ``long_running`` rules, and the job that pages."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.status import Status
from bot.playbooks.oncall import LongRunningRule, NotifyTarget, OnCall
from bot.services.escalation import severity_of
from bot.services.pages import page_rule
from bot.storage import repositories as repo
from bot.storage import schedule
from bot.storage.db import UnitOfWork
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
    severity = severity_of(incident)
    policy = oncall.policies.get(severity.escalation or "") if severity is not None else None
    if policy is None:
        return []
    by_due: dict[datetime, list[LongRunningRule]] = {}
    for rule in policy.long_running:
        due = incident.declared_at + rule.after
        if rule.applies_to(incident.severity_id) and due not in fired:
            by_due.setdefault(due, []).append(rule)
    return [Pending(due, policy.id, tuple(rules)) for due, rules in sorted(by_due.items())]


class LongRunningJob:
    """``long_running`` jobs: one per open incident with a rule not fired yet, due at the earliest one."""

    kind = LONG_RUNNING

    def __init__(
        self, uow: UnitOfWork, oncall: Callable[[], OnCall], clock: Callable[[], datetime], early: timedelta
    ) -> None:
        self.uow = uow
        self.oncall = oncall
        self.clock = clock
        self.early = early

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        """The next long-running page due for each open incident that has one."""
        oncall = self.oncall()
        if not any(policy.long_running for policy in oncall.policies.values()):
            return []
        incidents = schedule.open_incidents(session)
        fired = schedule.effect_due_times(session, LONG_RUNNING, [i.id for i in incidents])
        result: list[tuple[int, datetime]] = []
        for incident in incidents:
            upcoming = pending(incident, oncall, fired.get(incident.id, set()))
            if upcoming:
                result.append((incident.id, upcoming[0].due_at))
        return result

    def fire(self, incident_id: int) -> bool:
        """Page a rule's people once the incident has been open that long, acknowledged or not."""
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None or incident.status == Status.RESOLVED.value:
                return False
            oncall = self.oncall()
            fired = schedule.effect_due_times(session, LONG_RUNNING, [incident.id]).get(incident.id, set())
            due = [p for p in pending(incident, oncall, fired) if p.due_at <= now + self.early]
            if not due:
                return False
            rule = due[0]
            if not schedule.claim_effect(
                session, incident.id, LONG_RUNNING, rule.due_at, at=now, policy=rule.policy_id
            ):
                return False
            page_rule(
                session,
                incident,
                oncall,
                rule.targets,
                at=now,
                reason=rule.reason(incident.severity_id),
                policy_id=rule.policy_id,
                rule="open too long",
            )
        return True
