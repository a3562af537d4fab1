"""The escalation chain as pure steps: which level comes next, and how long to wait for an ack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.playbooks.oncall import EscalationLevel, EscalationPolicy


@dataclass(frozen=True)
class Step:
    """A page of ``level`` (0-based) during pass ``cycle`` (0 = the first pass, then ``repeat`` more)."""

    cycle: int
    level: int

    @property
    def is_first(self) -> bool:
        return self.cycle == 0 and self.level == 0


FIRST = Step(0, 0)


def next_step(policy: EscalationPolicy, current: Step | None) -> Step | None:
    """The step after ``current`` (``None`` = nothing paged yet); ``None`` once the chain is exhausted."""
    if not policy.levels:
        return None
    if current is None:
        return FIRST
    if current.level + 1 < len(policy.levels):
        return Step(current.cycle, current.level + 1)
    if current.cycle < policy.repeat:
        return Step(current.cycle + 1, 0)
    return None


def level_of(policy: EscalationPolicy, step: Step) -> EscalationLevel:
    return policy.levels[step.level]


def wait_after(policy: EscalationPolicy, step: Step, respond_within: timedelta | None) -> timedelta:
    """How long a page at ``step`` waits for an ack: the severity's ``respond_within`` for the first page."""
    if step.is_first and respond_within is not None:
        return respond_within
    return level_of(policy, step).escalate_after
