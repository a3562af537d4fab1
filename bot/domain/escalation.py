"""The escalation chain as pure rules: its states and legal moves, which step comes next, how long it waits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol


class LevelRule(Protocol):
    """One level of an escalation policy, as far as the chain needs it."""

    @property
    def escalate_after(self) -> timedelta: ...


class ChainPolicy(Protocol):
    """An escalation policy: its levels, paged in order, then ``repeat`` more passes."""

    @property
    def repeat(self) -> int: ...

    @property
    def levels(self) -> Sequence[LevelRule]: ...


class ChainState(StrEnum):
    """Where an incident's paging chain stands (the ``escalations.state`` column)."""

    ACTIVE = "active"  # paging: the next step is due at ``next_due_at``
    ACKNOWLEDGED = "acknowledged"  # somebody answered: nothing more is paged automatically
    EXHAUSTED = "exhausted"  # every level was paged ``repeat + 1`` times and nobody answered
    PAUSED = "paused"  # the incident's severity names no escalation policy any more
    STOPPED = "stopped"  # the incident is resolved (or its policy is gone from the playbooks)

    @property
    def is_live(self) -> bool:
        """Still following the incident (anything but stopped)."""
        return self is not ChainState.STOPPED


# Every move a chain may make. ACTIVE -> ACTIVE is a restart on another policy; ACKNOWLEDGED ->
# ACKNOWLEDGED keeps an acknowledged chain on its severity's new policy without paging.
TRANSITIONS: dict[ChainState, frozenset[ChainState]] = {
    ChainState.ACTIVE: frozenset(ChainState),
    ChainState.ACKNOWLEDGED: frozenset({ChainState.ACKNOWLEDGED, ChainState.STOPPED}),
    ChainState.EXHAUSTED: frozenset(
        {ChainState.ACTIVE, ChainState.ACKNOWLEDGED, ChainState.PAUSED, ChainState.STOPPED}
    ),
    ChainState.PAUSED: frozenset({ChainState.ACTIVE, ChainState.ACKNOWLEDGED, ChainState.STOPPED}),
    ChainState.STOPPED: frozenset({ChainState.STOPPED}),
}
LIVE_STATES = frozenset(s for s in ChainState if s.is_live)


class IllegalChainMove(ValueError):
    def __init__(self, current: ChainState, target: ChainState) -> None:
        super().__init__(f"an escalation chain cannot go from {current.value} to {target.value}")


def check_move(current: ChainState, target: ChainState) -> ChainState:
    """``target`` when the table allows the move from ``current``; ``IllegalChainMove`` otherwise."""
    if target not in TRANSITIONS[current]:
        raise IllegalChainMove(current, target)
    return target


@dataclass(frozen=True)
class Step:
    """A page of ``level`` (0-based) during pass ``cycle`` (0 = the first pass, then ``repeat`` more)."""

    cycle: int
    level: int

    @property
    def is_first(self) -> bool:
        return self.cycle == 0 and self.level == 0


FIRST = Step(0, 0)


def next_step(policy: ChainPolicy, current: Step | None) -> Step | None:
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


def top_step(policy: ChainPolicy, cycle: int) -> Step:
    """The last level of pass ``cycle``: what a manual escalation pages again once the chain ran out."""
    return Step(cycle, len(policy.levels) - 1)


def wait_after(policy: ChainPolicy, step: Step, respond_within: timedelta | None) -> timedelta:
    """How long a page at ``step`` waits for an ack: the severity's ``respond_within`` for the first page."""
    if step.is_first and respond_within is not None:
        return respond_within
    return policy.levels[step.level].escalate_after
