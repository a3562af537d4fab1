"""The status machine against an explicit expectation table, plus reopen and status parsing."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.status import (
    ACTIVE_STATUSES,
    REOPEN_TARGET,
    TRANSITIONS,
    IllegalTransition,
    Status,
    check_reopen,
    check_transition,
    parse_status,
)

INV, IDE, MON, RES = Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED

# Written out by hand from the product rules: any step forward or backward among the active statuses,
# any active status to resolved, nothing out of resolved (that needs an explicit reopen).
ALLOWED: dict[tuple[Status, Status], bool] = {
    (INV, INV): True, (INV, IDE): True, (INV, MON): True, (INV, RES): True,
    (IDE, INV): True, (IDE, IDE): True, (IDE, MON): True, (IDE, RES): True,
    (MON, INV): True, (MON, IDE): True, (MON, MON): True, (MON, RES): True,
    (RES, INV): False, (RES, IDE): False, (RES, MON): False, (RES, RES): False,
}  # fmt: skip


def test_the_expectation_table_covers_every_pair() -> None:
    assert set(ALLOWED) == set(itertools.product(Status, Status))
    assert len(Status) == 4


@pytest.mark.parametrize(("current", "target"), list(ALLOWED), ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_transition(current: Status, target: Status) -> None:
    if ALLOWED[(current, target)]:
        assert check_transition(current, target) is target
        assert target in TRANSITIONS[current]
    else:
        with pytest.raises(IllegalTransition) as info:
            check_transition(current, target)
        assert info.value.current is current
        assert info.value.target is target
        assert target not in TRANSITIONS[current]


@pytest.mark.parametrize("target", [INV, IDE, MON])
def test_leaving_resolved_points_to_reopen(target: Status) -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(RES, target)
    message = str(info.value)
    assert "reopen" in message
    assert "`/incident reopen <reason>`" in message
    assert target.value in message


def test_resolving_twice_says_already_resolved() -> None:
    with pytest.raises(IllegalTransition, match="already resolved"):
        check_transition(RES, RES)


def test_illegal_transition_is_a_value_error_for_callers() -> None:
    assert issubclass(IllegalTransition, ValueError)


def test_the_table_has_an_entry_for_every_status() -> None:
    assert set(TRANSITIONS) == set(Status)


def test_check_reopen() -> None:
    assert check_reopen(RES) is INV
    assert REOPEN_TARGET is INV


@pytest.mark.parametrize("current", [INV, IDE, MON])
def test_reopening_an_open_incident_is_refused(current: Status) -> None:
    with pytest.raises(ValueError, match="still open") as info:
        check_reopen(current)
    assert current.value in str(info.value)
    assert not isinstance(info.value, IllegalTransition)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("investigating", INV),
        ("identified", IDE),
        ("monitoring", MON),
        ("Investigating", INV),
        ("IDENTIFIED", IDE),
        ("  monitoring\n", MON),
        ("resolved", None),
        ("RESOLVED", None),
        ("", None),
        ("   ", None),
        ("monitor", None),
        ("identify", None),
        ("investigating!", None),
        ("in vestigating", None),
    ],
)
def test_parse_status(word: str, status: Status | None) -> None:
    assert parse_status(word) is status


def test_status_properties() -> None:
    assert [s.label for s in Status] == ["Investigating", "Identified", "Monitoring", "Resolved"]
    assert [s.is_open for s in Status] == [True, True, True, False]
    assert ACTIVE_STATUSES == (INV, IDE, MON)
    assert str(MON) == "monitoring"
