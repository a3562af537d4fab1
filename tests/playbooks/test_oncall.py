"""Parsing of schedules, handoffs and notify targets in oncall.yaml."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.playbooks.oncall import (
    Handoff,
    NotifyTarget,
    Rotation,
    parse_handoff,
    parse_person,
    parse_rotation,
    parse_target,
    parse_timezone,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("daily", Rotation("daily")),
        ("weekly", Rotation("weekly")),
        ({"hours": 12}, Rotation("hours", 12)),
    ],
)
def test_rotations(value: object, expected: Rotation) -> None:
    assert parse_rotation(value) == expected


@pytest.mark.parametrize("value", ["monthly", {"hours": 0}, {"hours": "12"}, {"days": 2}, None, True])
def test_bad_rotations(value: object) -> None:
    with pytest.raises(ValueError, match=r"expected daily, weekly|hours must be"):
        parse_rotation(value)


def test_rotation_periods() -> None:
    assert Rotation("daily").period == timedelta(days=1)
    assert Rotation("weekly").period == timedelta(weeks=1)
    assert Rotation("hours", 8).period == timedelta(hours=8)


def test_handoffs() -> None:
    assert parse_handoff("monday 09:00", Rotation("weekly")) == Handoff(time(9, 0), weekday=0)
    assert parse_handoff("Fri 17:30", Rotation("weekly")) == Handoff(time(17, 30), weekday=4)
    assert parse_handoff("08:15", Rotation("daily")) == Handoff(time(8, 15))
    assert parse_handoff(None, Rotation("weekly")) == Handoff(time(9, 0), weekday=0)
    paris = ZoneInfo("Europe/Paris")
    start = parse_handoff("2026-01-05T09:00", Rotation("hours", 12), paris)
    assert start.start == datetime(2026, 1, 5, 9, 0, tzinfo=paris) and start.at == time(9, 0)


@pytest.mark.parametrize(
    ("value", "rotation", "message"),
    [
        ("09:00", Rotation("weekly"), 'weekly handoff must look like "monday 09:00"'),
        ("funday 09:00", Rotation("weekly"), "weekly handoff must look like"),
        ("25:00", Rotation("daily"), 'expected a time of day "HH:MM"'),
        ("monday 9", Rotation("weekly"), 'expected a time of day "HH:MM"'),
        (540, Rotation("daily"), "expected a quoted string"),
        ("tomorrow", Rotation("hours", 4), "an ISO datetime"),
    ],
)
def test_bad_handoffs(value: object, rotation: Rotation, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_handoff(value, rotation)


def test_targets() -> None:
    assert parse_target("schedule:primary") == NotifyTarget("schedule", "primary")
    assert parse_target("user:U0ALICE") == NotifyTarget("user", "U0ALICE")
    assert str(parse_target("usergroup:S0LEADS")) == "usergroup:S0LEADS"
    assert parse_target("email:cto@example.com").value == "cto@example.com"


@pytest.mark.parametrize("value", ["primary", "team:ops", "user:alice", "usergroup:U0ALICE", "email:nope", 3])
def test_bad_targets(value: object) -> None:
    with pytest.raises(ValueError):
        parse_target(value)


def test_people_and_timezones() -> None:
    assert parse_person("U0ALICE") == "U0ALICE"
    assert parse_person("bob@example.com") == "bob@example.com"
    with pytest.raises(ValueError):
        parse_person("bob")
    assert parse_timezone("America/New_York") == ZoneInfo("America/New_York")
    for bad in ("Mars/Olympus", "", 5, "../etc/passwd"):
        with pytest.raises(ValueError):
            parse_timezone(bad)
