"""The escalation chain's rules: its transition table, the order of steps, and how long each one waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.escalation import (
    FIRST,
    LIVE_STATES,
    TRANSITIONS,
    ChainState,
    IllegalChainMove,
    Step,
    check_move,
    next_step,
    top_step,
    wait_after,
)
from bot.playbooks.oncall import EscalationLevel, EscalationPolicy, NotifyTarget


def _policy(levels: int, repeat: int) -> EscalationPolicy:
    level = EscalationLevel((NotifyTarget("user", "U0BOB"),), timedelta(seconds=5))
    return EscalationPolicy("p", repeat, (level,) * levels)


def test_chain_walks_levels_then_repeats_then_ends() -> None:
    policy = _policy(2, 1)
    steps: list[Step] = []
    step = next_step(policy, None)
    while step is not None:
        steps.append(step)
        step = next_step(policy, step)
    assert steps == [Step(0, 0), Step(0, 1), Step(1, 0), Step(1, 1)]
    assert next_step(_policy(3, 0), Step(0, 2)) is None
    assert next_step(_policy(0, 3), None) is None


@given(levels=st.integers(1, 6), repeat=st.integers(0, 4))
def test_every_policy_pages_each_level_once_per_pass_in_order(levels: int, repeat: int) -> None:
    policy = _policy(levels, repeat)
    steps, step = [], next_step(policy, None)
    while step is not None:
        steps.append(step)
        step = next_step(policy, step)
    assert steps == [Step(c, lv) for c in range(repeat + 1) for lv in range(levels)]
    assert top_step(policy, repeat) == steps[-1]


def test_first_page_waits_respond_within_and_later_pages_their_level() -> None:
    policy = _policy(2, 1)
    assert wait_after(policy, FIRST, timedelta(minutes=1)) == timedelta(minutes=1)
    assert wait_after(policy, FIRST, None) == timedelta(seconds=5)
    assert wait_after(policy, Step(1, 0), timedelta(minutes=1)) == timedelta(seconds=5)


A, K, E, P, S = (
    ChainState.ACTIVE,
    ChainState.ACKNOWLEDGED,
    ChainState.EXHAUSTED,
    ChainState.PAUSED,
    ChainState.STOPPED,
)
LEGAL = {
    (A, A), (A, K), (A, E), (A, P), (A, S),
    (K, K), (K, S),
    (E, A), (E, K), (E, P), (E, S),
    (P, A), (P, K), (P, S),
    (S, S),
}


@pytest.mark.parametrize("current", list(ChainState))
@pytest.mark.parametrize("target", list(ChainState))
def test_the_transition_table_allows_exactly_the_moves_a_chain_makes(current: ChainState, target: ChainState) -> None:
    if (current, target) in LEGAL:
        assert check_move(current, target) is target
    else:
        with pytest.raises(IllegalChainMove, match=f"from {current.value} to {target.value}"):
            check_move(current, target)


def test_a_stopped_chain_stays_stopped_and_is_the_only_one_not_live() -> None:
    assert TRANSITIONS[S] == frozenset({S})
    assert frozenset(ChainState) - LIVE_STATES == {S}
    # The column's values are those written by earlier releases.
    assert {s.value for s in ChainState} == {"active", "acknowledged", "exhausted", "paused", "stopped"}
