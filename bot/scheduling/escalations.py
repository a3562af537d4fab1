"""Escalation chains: start and stop them as incidents change, and the job that pages each due step once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.escalation import ChainState
from bot.domain.events import PagerAcknowledged, PagerResolved
from bot.domain.status import Status
from bot.playbooks.oncall import OnCall
from bot.services.escalation import ESCALATION, advance, policy_for
from bot.storage import outbox, schedule
from bot.storage import repositories as repo
from bot.storage.db import UnitOfWork


class EscalationJob:
    """``escalation`` jobs: one per active chain, due at its ``next_due_at``.

    A declaration pages level 1 itself (``services.escalation.FirstPage``); ``reconcile`` starts chains the
    declaration did not (paging configured later, a severity that gained a policy) and follows severity
    changes, acknowledgements and resolutions.
    """

    kind = ESCALATION

    def __init__(
        self,
        uow: UnitOfWork,
        oncall: Callable[[], OnCall],
        clock: Callable[[], datetime],
        early: timedelta,
        on_escalated: Callable[[], None] = lambda: None,
    ) -> None:
        self.uow = uow
        self.oncall = oncall
        self.clock = clock
        self.early = early
        self.on_escalated = on_escalated

    def due_times(self, session: Session) -> list[tuple[int, datetime]]:
        return schedule.chain_due_times(session)

    # -- chains start and stop -----------------------------------------------------------------
    def reconcile(self) -> bool:
        """Start chains for incidents that need paging; stop chains of acknowledged or resolved ones."""
        changed = False
        now = self.clock()
        policies = self.oncall().policies
        with self.uow() as session:
            for incident in schedule.unchained_incidents(session):
                policy_id = policy_for(incident, policies)
                if policy_id is not None and schedule.start_chain(session, incident.id, policy_id, now):
                    changed = True
            changed = self._follow_severity(session, policies, now) or changed
            for chain, incident in schedule.live_chains_to_close(session):
                if incident.status == Status.RESOLVED.value:
                    chain.move(ChainState.STOPPED)
                    # Pagers close what they opened: page DMs are edited, an external alert is resolved.
                    outbox.enqueue(session, incident.id, PagerResolved())
                    changed = True
                elif chain.chain_state is not ChainState.ACKNOWLEDGED:
                    # Also after the chain ran out: the page DMs and an external alert are still open.
                    chain.move(ChainState.ACKNOWLEDGED)
                    outbox.enqueue(session, incident.id, PagerAcknowledged(by=incident.acknowledged_by))
                    changed = True
        return changed

    def _follow_severity(self, session: Session, policies: Mapping[str, object], now: datetime) -> bool:
        """Keep each open incident's chain on its current severity's escalation policy.

        No policy any more: the chain pauses. Another policy: the chain switches to it, and pages its level 1
        now unless the incident is already acknowledged.
        """
        changed = False
        for chain, incident in schedule.live_chains_of_open_incidents(session):
            wanted = policy_for(incident, policies)
            state = chain.chain_state
            if wanted is None:
                if state in (ChainState.ACTIVE, ChainState.EXHAUSTED):
                    chain.move(ChainState.PAUSED)
                    changed = True
                continue
            if wanted == chain.policy_id and state is not ChainState.PAUSED:
                continue
            chain.policy_id, chain.cycle, chain.level = wanted, 0, -1
            if incident.acknowledged_at is None:
                chain.move(ChainState.ACTIVE, now)
            else:
                chain.move(ChainState.ACKNOWLEDGED)
            changed = True
        return changed

    # -- the job body --------------------------------------------------------------------------
    def fire(self, incident_id: int) -> bool:
        """Page the next step of the chain (or say nobody acknowledged), once per due time."""
        escalated: list[bool] = []
        fired = self._fire(incident_id, escalated)
        if escalated:  # counted once the step is committed
            self.on_escalated()
        return fired

    def _fire(self, incident_id: int, escalated: list[bool]) -> bool:
        now = self.clock()
        with self.uow() as session:
            incident = repo.get_incident(session, incident_id, lock=True)
            chain = schedule.chain_of(session, incident_id, lock=True)
            if incident is None or chain is None or chain.chain_state is not ChainState.ACTIVE:
                return False
            if chain.next_due_at is None:
                return False
            if incident.acknowledged_at is not None or incident.status == Status.RESOLVED.value:
                return False  # reconcile() closes the chain
            due = chain.next_due_at
            if due > now + self.early:
                return False
            oncall = self.oncall()
            policy = oncall.policies.get(chain.policy_id)
            if policy is None:
                chain.move(ChainState.STOPPED)
                return False
            if policy_for(incident, oncall.policies) != chain.policy_id:
                return False  # the severity changed: reconcile() moves the chain to its new policy first
            was_paging = chain.level >= 0
            fired = advance(session, incident, chain, policy, oncall, due=due, now=now)
            if fired and was_paging and chain.chain_state is ChainState.ACTIVE:
                escalated.append(True)  # a next level paged, not the first page nor the chain's end
            return fired
