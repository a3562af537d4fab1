"""Fire nudges and escalation steps exactly once, in one transaction each, from the due-time tables."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.severity import Severity
from bot.domain.status import Status
from bot.playbooks.oncall import OnCall
from bot.scheduling import long_running
from bot.scheduling.chain import Step, level_of, next_step, wait_after
from bot.scheduling.long_running import LONG_RUNNING
from bot.scheduling.records import ESCALATED, NOBODY_ACKNOWLEDGED, NUDGED, record_page
from bot.scheduling.tables import EffectFired, Escalation
from bot.services.read_models import snapshot_severities
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork
from bot.storage.models import Incident

log = logging.getLogger(__name__)

NUDGE = "nudge"
ESCALATION = "escalation"
SNOOZE = "snooze"
MANUAL = "escalate_manual"
# A chain whose incident's severity no longer names an escalation policy.
PAUSED = "paused"
# A job may run a hair early (clock skew between the scheduler and the database rows).
EARLY = timedelta(milliseconds=500)


@dataclass(frozen=True)
class Due:
    kind: str
    incident_id: int
    due_at: datetime

    @property
    def job_id(self) -> str:
        return f"{self.kind}:{self.incident_id}"


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


def severity_of(incident: Incident) -> Severity | None:
    return snapshot_severities(incident.policy_snapshot).lookup(incident.severity_id)


def ignored_nudges(session: Session, incident: Incident) -> int:
    """Nudges fired since the last update or snooze."""
    since = incident.last_update_at or incident.declared_at
    last_snooze = session.execute(
        select(func.max(EffectFired.due_at)).where(
            EffectFired.incident_id == incident.id, EffectFired.kind == SNOOZE
        )
    ).scalar_one_or_none()
    if last_snooze is not None and last_snooze > since:
        since = last_snooze
    count = session.execute(
        select(func.count(EffectFired.id)).where(
            EffectFired.incident_id == incident.id, EffectFired.kind == NUDGE, EffectFired.due_at > since
        )
    ).scalar_one()
    return int(count)


def policy_for(incident: Incident, policies: Mapping[str, object]) -> str | None:
    """The escalation policy the incident's current severity names, if the playbooks define it."""
    severity = severity_of(incident)
    if severity is None or not severity.escalation or severity.escalation not in policies:
        return None
    return severity.escalation


def _following(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The next due time after a fire; after downtime, counted from now so a backlog fires once."""
    nxt = due + every
    return nxt if nxt > now else now + every


class Effects:
    """The job bodies the active scheduler runs, and the due times it schedules them at."""

    def __init__(
        self,
        uow: UnitOfWork,
        oncall: Callable[[], OnCall],
        clock: Callable[[], datetime],
        external_pager: bool = False,
        on_escalated: Callable[[], None] = lambda: None,
    ) -> None:
        self.uow = uow
        self.oncall = oncall
        self.clock = clock
        self.external_pager = external_pager
        self.on_escalated = on_escalated

    # -- what is due ---------------------------------------------------------------------------
    def due_times(self) -> list[Due]:
        with self.uow() as session:
            nudges = session.execute(
                select(Incident.id, Incident.next_update_due_at).where(
                    Incident.status != Status.RESOLVED.value, Incident.next_update_due_at.is_not(None)
                )
            ).all()
            chains = session.execute(
                select(Escalation.incident_id, Escalation.next_due_at)
                .join(Incident, Incident.id == Escalation.incident_id)
                .where(
                    Escalation.state == "active",
                    Escalation.next_due_at.is_not(None),
                    Incident.status != Status.RESOLVED.value,
                    Incident.acknowledged_at.is_(None),
                )
            ).all()
            lingering = long_running.due_times(session, self.oncall())
        result = [Due(NUDGE, iid, due) for iid, due in nudges if due is not None]
        result += [Due(ESCALATION, iid, due) for iid, due in chains if due is not None]
        result += [Due(LONG_RUNNING, iid, due) for iid, due in lingering]
        return result

    # -- chains start and stop -----------------------------------------------------------------
    def reconcile(self) -> bool:
        """Start chains for incidents that need paging; stop chains of acknowledged or resolved ones."""
        changed = False
        now = self.clock()
        policies = self.oncall().policies
        with self.uow() as session:
            has_chain = select(Escalation.id).where(Escalation.incident_id == Incident.id).exists()
            candidates = session.execute(
                select(Incident).where(
                    Incident.status != Status.RESOLVED.value, Incident.acknowledged_at.is_(None), ~has_chain
                )
            ).scalars()
            for incident in candidates:
                severity = severity_of(incident)
                if severity is None or not severity.escalation or severity.escalation not in policies:
                    continue
                try:
                    with session.begin_nested():
                        session.add(
                            Escalation(
                                incident_id=incident.id, policy_id=severity.escalation, next_due_at=now
                            )
                        )
                        session.flush()
                    changed = True
                except IntegrityError:
                    continue
            changed = self._follow_severity(session, policies, now) or changed
            stale = session.execute(
                select(Escalation, Incident)
                .join(Incident, Incident.id == Escalation.incident_id)
                .where(Escalation.state.in_(("active", "acknowledged", "exhausted", PAUSED)))
                .where((Incident.acknowledged_at.is_not(None)) | (Incident.status == Status.RESOLVED.value))
            ).all()
            for chain, incident in stale:
                if incident.status == Status.RESOLVED.value:
                    chain.state, chain.next_due_at = "stopped", None
                    if self.external_pager:
                        repo.enqueue(session, "paging.resolved", incident.id, {})
                    changed = True
                elif chain.state != "acknowledged":
                    # Also after the chain ran out: the external pager still holds an open alert.
                    chain.state, chain.next_due_at = "acknowledged", None
                    if self.external_pager:
                        repo.enqueue(
                            session, "paging.acknowledged", incident.id, {"by": incident.acknowledged_by}
                        )
                    changed = True
        return changed

    def _follow_severity(self, session: Session, policies: Mapping[str, object], now: datetime) -> bool:
        """Keep each open incident's chain on its current severity's escalation policy.

        No policy any more: the chain pauses. Another policy: the chain switches to it, and pages its level 1
        now unless the incident is already acknowledged.
        """
        changed = False
        rows = session.execute(
            select(Escalation, Incident)
            .join(Incident, Incident.id == Escalation.incident_id)
            .where(Escalation.state.in_(("active", "acknowledged", "exhausted", PAUSED)))
            .where(Incident.status != Status.RESOLVED.value)
            .with_for_update(of=Escalation)
        ).all()
        for chain, incident in rows:
            wanted = policy_for(incident, policies)
            if wanted is None:
                if chain.state in ("active", "exhausted"):
                    chain.state, chain.next_due_at = PAUSED, None
                    changed = True
                continue
            if wanted == chain.policy_id and chain.state != PAUSED:
                continue
            chain.policy_id, chain.cycle, chain.level = wanted, 0, -1
            if incident.acknowledged_at is None:
                chain.state, chain.next_due_at = "active", now
            else:
                chain.state, chain.next_due_at = "acknowledged", None
            changed = True
        return changed

    # -- job bodies ----------------------------------------------------------------------------
    def fire(self, kind: str, incident_id: int) -> bool:
        if kind == NUDGE:
            return self.fire_nudge(incident_id)
        if kind == ESCALATION:
            return self.fire_escalation(incident_id)
        if kind == LONG_RUNNING:
            return self.fire_long_running(incident_id)
        log.warning("unknown scheduled effect %s", kind)
        return False

    def fire_nudge(self, incident_id: int) -> bool:
        """Post the update reminder due now, once; then move the due time one cadence on."""
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None or incident.status == Status.RESOLVED.value:
                return False
            due = incident.next_update_due_at
            if due is None or due > now + EARLY:
                return False
            severity = severity_of(incident)
            if severity is None or severity.update_every is None:
                incident.next_update_due_at = None
                return False
            if not claim_effect(session, incident.id, NUDGE, due, at=now):
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
                f"Update reminder: {format_duration(now - since)} since the last update"
                + (f" ({ignored - 1} earlier reminder{'s' if ignored > 2 else ''} unanswered)" if ignored > 1 else ""),
                {"due_at": due.isoformat(), "ignored": ignored},
                at=now,
            )
            chain_level = session.execute(
                select(Escalation.level).where(Escalation.incident_id == incident.id)
            ).scalar_one_or_none()
            repo.enqueue(
                session,
                "nudge.post",
                incident.id,
                {
                    "due_at": due.isoformat(),
                    "since_seconds": int((now - since).total_seconds()),
                    "ignored": ignored,
                    "policy": severity.escalation,
                    "next_level": (chain_level if chain_level is not None else -1) + 1,
                },
            )
        return True

    def fire_escalation(self, incident_id: int) -> bool:
        """Page the next step of the chain (or say nobody acknowledged), once per due time."""
        escalated: list[bool] = []
        fired = self._fire_escalation(incident_id, escalated)
        if escalated:  # counted once the step is committed
            self.on_escalated()
        return fired

    def _fire_escalation(self, incident_id: int, escalated: list[bool]) -> bool:
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            chain = session.execute(
                select(Escalation).where(Escalation.incident_id == incident_id).with_for_update()
            ).scalar_one_or_none()
            if incident is None or chain is None or chain.state != "active" or chain.next_due_at is None:
                return False
            if incident.acknowledged_at is not None or incident.status == Status.RESOLVED.value:
                return False  # reconcile() closes the chain
            due = chain.next_due_at
            if due > now + EARLY:
                return False
            oncall = self.oncall()
            policy = oncall.policies.get(chain.policy_id)
            if policy is None:
                chain.state, chain.next_due_at = "stopped", None
                return False
            if policy_for(incident, oncall.policies) != chain.policy_id:
                return False  # the severity changed: reconcile() moves the chain to its new policy first
            # Level 1 again after an earlier step: the chain moved to another policy when the severity changed.
            restarted = chain.level < 0 and bool(
                session.execute(
                    select(func.count(EffectFired.id)).where(
                        EffectFired.incident_id == incident.id, EffectFired.kind == ESCALATION
                    )
                ).scalar_one()
            )
            if not claim_effect(session, incident.id, ESCALATION, due, at=now):
                return False
            current = Step(chain.cycle, chain.level) if chain.level >= 0 else None
            step = next_step(policy, current)
            severity = severity_of(incident)
            respond_within = severity.respond_within if severity else None
            if step is None:
                chain.state, chain.next_due_at = "exhausted", None
                repo.enqueue(session, "paging.exhausted", incident.id, {"cycles": policy.repeat + 1})
                passes = policy.repeat + 1
                repo.add_entry(
                    session,
                    incident,
                    NOBODY_ACKNOWLEDGED,
                    None,
                    f"Nobody acknowledged: every level of the {policy.id} escalation policy was paged "
                    f"{passes} time{'s' if passes != 1 else ''}",
                    {"policy": policy.id, "cycles": passes},
                    at=now,
                )
                return True
            if current is None:
                reason = (
                    f"severity changed to {incident.severity_id}"
                    if restarted
                    else f"{incident.severity_id} declared"
                )
            else:
                waited = wait_after(policy, current, respond_within)
                reason = f"not acknowledged within {format_duration(waited)}"
            chain.cycle, chain.level = step.cycle, step.level
            chain.next_due_at = _following(due, wait_after(policy, step, respond_within), now)
            if current is not None:
                escalated.append(True)
                repo.add_entry(
                    session,
                    incident,
                    ESCALATED,
                    None,
                    f"Escalated to level {step.level + 1}: {reason}",
                    {"cycle": step.cycle, "level": step.level, "policy": policy.id, "reason": reason},
                    at=now,
                )
            record_page(
                session,
                incident,
                oncall,
                level_of(policy, step).notify,
                at=now,
                reason=reason,
                policy_id=policy.id,
                level=step.level,
                cycle=step.cycle,
            )
            repo.enqueue(
                session,
                "paging.page",
                incident.id,
                {
                    "cycle": step.cycle,
                    "level": step.level,
                    "reason": reason,
                    "at": due.isoformat(),
                    "policy": policy.id,
                },
            )
        return True

    def fire_long_running(self, incident_id: int) -> bool:
        """Page a ``long_running`` rule's people once the incident has been open that long, acknowledged or not."""
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None or incident.status == Status.RESOLVED.value:
                return False
            oncall = self.oncall()
            fired = long_running.fired_at(session, [incident.id]).get(incident.id, set())
            due = [p for p in long_running.pending(incident, oncall, fired) if p.due_at <= now + EARLY]
            if not due:
                return False
            rule = due[0]
            if not claim_effect(session, incident.id, LONG_RUNNING, rule.due_at, at=now, policy=rule.policy_id):
                return False
            reason = rule.reason(incident.severity_id)
            repo.enqueue(
                session,
                "paging.long_running",
                incident.id,
                {
                    "targets": [str(t) for t in rule.targets],
                    "reason": reason,
                    "at": now.isoformat(),
                    "policy": rule.policy_id,
                },
            )
            record_page(
                session,
                incident,
                oncall,
                rule.targets,
                at=now,
                reason=reason,
                policy_id=rule.policy_id,
                rule="open too long",
            )
        return True
