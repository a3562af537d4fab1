"""What people do to the schedule: escalate now (button or command) and snooze the update reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.status import Status
from bot.playbooks.oncall import OnCall
from bot.scheduling.chain import Step, level_of, next_step, wait_after
from bot.scheduling.effects import MANUAL, PAUSED, SNOOZE, claim_effect, severity_of
from bot.scheduling.records import ESCALATED, SNOOZED, record_page
from bot.scheduling.tables import EffectFired, Escalation
from bot.services.context import ServiceContext
from bot.services.errors import IncidentNotFound, UserError
from bot.storage import repositories as repo

SNOOZE_FOR = timedelta(minutes=15)
# A second escalate request this soon after one that paged the chain's current step is the same request
# (a double click, a Slack retry), not a new one.
REPEAT_WINDOW = timedelta(seconds=15)


def _just_escalated_to(session: Session, incident_id: int, step: Step, now: datetime) -> bool:
    """Whether the chain's current ``step`` was paged by an escalate request in the last few seconds."""
    last = session.execute(
        select(EffectFired)
        .where(EffectFired.incident_id == incident_id, EffectFired.kind == MANUAL)
        .order_by(EffectFired.due_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if last is None or last.detail.get("step") != [step.cycle, step.level]:
        return False
    return last.due_at > now - REPEAT_WINDOW


class ScheduleActions:
    """Use cases that change due times; each is one transaction followed by the after-commit wake-up."""

    def __init__(self, ctx: ServiceContext, oncall: Callable[[], OnCall]) -> None:
        self.ctx = ctx
        self.oncall = oncall

    def escalate(self, incident_id: int, user_id: str) -> str:
        """Page the next level of the incident's escalation policy now; returns a sentence for the user."""
        now: datetime = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None:
                raise IncidentNotFound()
            if incident.status == Status.RESOLVED.value:
                raise UserError("This incident is resolved; there is nobody to escalate to.")
            severity = severity_of(incident)
            policy_id = severity.escalation if severity else None
            chain = session.execute(
                select(Escalation).where(Escalation.incident_id == incident_id).with_for_update()
            ).scalar_one_or_none()
            if chain is not None and chain.state != PAUSED:
                policy_id = chain.policy_id
            oncall = self.oncall()
            policy = oncall.policies.get(policy_id or "")
            if policy is None or not policy.levels:
                raise UserError(
                    "This incident's severity has no escalation policy, so there is nobody to page."
                )
            if chain is None:
                chain = Escalation(
                    incident_id=incident.id,
                    policy_id=policy.id,
                    state="acknowledged" if incident.acknowledged_at else "active",
                )
                session.add(chain)
                session.flush()
            current = Step(chain.cycle, chain.level) if chain.level >= 0 else None
            if current is not None and _just_escalated_to(session, incident.id, current, now):
                # A double click, or Slack retrying the request: the step it asked for is already paged.
                raise UserError("An escalation was just requested; give it a moment.")
            step = next_step(policy, current)
            if step is None:
                step = Step(chain.cycle, len(policy.levels) - 1)  # the top of the chain, paged again
            if not claim_effect(
                session, incident.id, MANUAL, now, at=now, by=user_id, step=[step.cycle, step.level]
            ):
                raise UserError("An escalation was just requested; give it a moment.")
            reason = f"escalated by <@{user_id}>"
            chain.cycle, chain.level = step.cycle, step.level
            if chain.state in ("active", "exhausted") and incident.acknowledged_at is None:
                respond_within = severity.respond_within if severity else None
                chain.state = "active"
                chain.next_due_at = now + wait_after(policy, step, respond_within)
            repo.enqueue(
                session,
                "paging.page",
                incident.id,
                {
                    "cycle": step.cycle,
                    "level": step.level,
                    "reason": reason,
                    "at": now.isoformat(),
                    "policy": policy.id,
                    "by": user_id,
                },
            )
            repo.add_entry(
                session,
                incident,
                ESCALATED,
                user_id,
                f"Escalated to level {step.level + 1}",
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
                actor_id=user_id,
            )
        self.ctx.committed()
        self.ctx.metrics.escalations.inc()
        return f"Paging level {step.level + 1} of the *{policy.id}* escalation policy now."

    def snooze(self, incident_id: int, user_id: str, for_: timedelta = SNOOZE_FOR) -> str:
        """Push the next update reminder ``for_`` from now."""
        now: datetime = self.ctx.clock()
        with self.ctx.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None:
                raise IncidentNotFound()
            if incident.status == Status.RESOLVED.value:
                raise UserError("This incident is resolved; there is nothing to remind about.")
            if not claim_effect(session, incident.id, SNOOZE, now, by=user_id):
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
        self.ctx.committed()
        return f":zzz: Snoozed: the next update reminder comes in {format_duration(for_)}."
