"""Escalation use cases: a chain's next step (the first one in the declaration's own transaction), escalate now."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.durations import format_duration
from bot.domain.escalation import ChainState, Step, next_step, top_step, wait_after
from bot.domain.events import ChainExhausted
from bot.domain.severity import Severity
from bot.domain.status import Status
from bot.playbooks.oncall import EscalationPolicy, OnCall
from bot.services.context import ServiceContext
from bot.services.errors import AlreadyHandled, IncidentNotFound, UserError
from bot.services.pages import ESCALATED, NOBODY_ACKNOWLEDGED, page_level
from bot.services.read_models import snapshot_severities
from bot.storage import outbox, schedule
from bot.storage import repositories as repo
from bot.storage.models import Incident
from bot.storage.scheduling_models import Escalation

# Effect kinds (``effects_fired.kind``): a step of the chain, keyed by its due time; a manual escalation.
ESCALATION = "escalation"
MANUAL = "escalate_manual"
# A second escalate request this soon after one that paged the chain's current step is the same request
# (a double click, a Slack retry), not a new one.
REPEAT_WINDOW = timedelta(seconds=15)


def severity_of(incident: Incident) -> Severity | None:
    return snapshot_severities(incident.policy_snapshot).lookup(incident.severity_id)


def policy_for(incident: Incident, policies: Mapping[str, object]) -> str | None:
    """The escalation policy the incident's current severity names, if the playbooks define it."""
    severity = severity_of(incident)
    if severity is None or not severity.escalation or severity.escalation not in policies:
        return None
    return severity.escalation


def following(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The next due time after a fire; after downtime, counted from now so a backlog fires once."""
    nxt = due + every
    return nxt if nxt > now else now + every


def advance(
    session: Session,
    incident: Incident,
    chain: Escalation,
    policy: EscalationPolicy,
    oncall: OnCall,
    *,
    due: datetime,
    now: datetime,
) -> bool:
    """Page the step after the chain's current one, or say nobody acknowledged: once per ``due`` time.

    The caller has checked that the step is due and the chain active on the incident's policy. False when
    this due time was already fired (another fire, another leader).
    """
    # Level 1 again after an earlier step: the chain moved to another policy when the severity changed.
    restarted = chain.level < 0 and schedule.count_effects(session, incident.id, ESCALATION) > 0
    if not schedule.claim_effect(session, incident.id, ESCALATION, due, at=now):
        return False
    current = Step(chain.cycle, chain.level) if chain.level >= 0 else None
    step = next_step(policy, current)
    severity = severity_of(incident)
    respond_within = severity.respond_within if severity else None
    if step is None:
        chain.move(ChainState.EXHAUSTED)
        passes = policy.repeat + 1
        outbox.enqueue(session, incident.id, ChainExhausted(cycles=passes))
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
        reason = f"severity changed to {incident.severity_id}" if restarted else f"{incident.severity_id} declared"
    else:
        reason = f"not acknowledged within {format_duration(wait_after(policy, current, respond_within))}"
    chain.cycle, chain.level = step.cycle, step.level
    chain.move(ChainState.ACTIVE, following(due, wait_after(policy, step, respond_within), now))
    if current is not None:
        repo.add_entry(
            session,
            incident,
            ESCALATED,
            None,
            f"Escalated to level {step.level + 1}: {reason}",
            {"cycle": step.cycle, "level": step.level, "policy": policy.id, "reason": reason},
            at=now,
        )
    page_level(
        session,
        incident,
        oncall,
        policy.levels[step.level].notify,
        at=now,
        reason=reason,
        policy_id=policy.id,
        level=step.level,
        cycle=step.cycle,
    )
    return True


class FirstPage:
    """Starts a new incident's chain and pages its level 1 in the declaration's own transaction.

    The page is then delivered right after the declaration commits, with no wait for the scheduler; the
    scheduler only takes over from level 2 (due ``respond_within`` later).
    """

    def __init__(self, oncall: Callable[[], OnCall]) -> None:
        self.oncall = oncall

    def start(self, session: Session, incident: Incident, now: datetime) -> bool:
        """True when a page was queued (the severity names a policy with levels)."""
        oncall = self.oncall()
        policy_id = policy_for(incident, oncall.policies)
        policy = oncall.policies.get(policy_id or "")
        if policy is None or not policy.levels:
            return False
        chain = schedule.start_chain(session, incident.id, policy.id, now)
        if chain is None:
            return False
        return advance(session, incident, chain, policy, oncall, due=now, now=now)


def _just_escalated_to(session: Session, incident_id: int, step: Step, now: datetime) -> bool:
    """Whether the chain's current ``step`` was paged by an escalate request in the last few seconds."""
    last = schedule.last_effect(session, incident_id, MANUAL)
    if last is None or last.detail.get("step") != [step.cycle, step.level]:
        return False
    return last.due_at > now - REPEAT_WINDOW


class EscalationService:
    """Escalate now (button or command): one transaction; its page is delivered right after the commit."""

    def __init__(self, ctx: ServiceContext, oncall: Callable[[], OnCall]) -> None:
        self.ctx = ctx
        self.oncall = oncall

    def escalate(self, incident_id: int, user_id: str, request_key: str | None = None) -> str:
        """Page the next level of the incident's escalation policy now; returns a sentence for the user."""
        now: datetime = self.ctx.clock()
        with self.ctx.uow() as session:
            if request_key and not repo.claim_request(session, request_key):
                raise AlreadyHandled("This escalation was already requested.")
            incident = repo.get_incident(session, incident_id, lock=True)
            if incident is None:
                raise IncidentNotFound()
            self.ctx.access.require_visible(incident, user_id)
            if incident.status == Status.RESOLVED.value:
                raise UserError("This incident is resolved; there is nobody to escalate to.")
            severity = severity_of(incident)
            policy_id = severity.escalation if severity else None
            chain = schedule.chain_of(session, incident_id, lock=True)
            if chain is not None and chain.chain_state is not ChainState.PAUSED:
                policy_id = chain.policy_id
            oncall = self.oncall()
            policy = oncall.policies.get(policy_id or "")
            if policy is None or not policy.levels:
                raise UserError("This incident's severity has no escalation policy, so there is nobody to page.")
            if chain is None:
                chain = Escalation(
                    incident_id=incident.id,
                    policy_id=policy.id,
                    state=(ChainState.ACKNOWLEDGED if incident.acknowledged_at else ChainState.ACTIVE).value,
                )
                session.add(chain)
                session.flush()
            current = Step(chain.cycle, chain.level) if chain.level >= 0 else None
            if current is not None and _just_escalated_to(session, incident.id, current, now):
                # A double click, or Slack retrying the request: the step it asked for is already paged.
                raise UserError("An escalation was just requested; give it a moment.")
            step = next_step(policy, current) or top_step(policy, chain.cycle)  # the top again, once run out
            if not schedule.claim_effect(
                session, incident.id, MANUAL, now, at=now, by=user_id, step=[step.cycle, step.level]
            ):
                raise UserError("An escalation was just requested; give it a moment.")
            reason = f"escalated by <@{user_id}>"
            chain.cycle, chain.level = step.cycle, step.level
            if chain.chain_state in (ChainState.ACTIVE, ChainState.EXHAUSTED) and incident.acknowledged_at is None:
                respond_within = severity.respond_within if severity else None
                chain.move(ChainState.ACTIVE, now + wait_after(policy, step, respond_within))
            repo.add_entry(
                session,
                incident,
                ESCALATED,
                user_id,
                f"Escalated to level {step.level + 1}",
                {"cycle": step.cycle, "level": step.level, "policy": policy.id, "reason": reason},
                at=now,
            )
            page_level(
                session,
                incident,
                oncall,
                policy.levels[step.level].notify,
                at=now,
                reason=reason,
                policy_id=policy.id,
                level=step.level,
                cycle=step.cycle,
                by=user_id,
            )
        self.ctx.metrics.escalations.inc()
        return f"Paging level {step.level + 1} of the *{policy.id}* escalation policy now."
