"""Playbook durations: accepted and refused spellings, the message format and a round trip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.durations import InvalidDuration, format_duration, parse_duration

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("7d", timedelta(days=7)),
        ("90m", timedelta(minutes=90)),
        ("1s", timedelta(seconds=1)),
        ("15M", timedelta(minutes=15)),
        ("2H", timedelta(hours=2)),
        (" 5m ", timedelta(minutes=5)),
        ("5 m", timedelta(minutes=5)),
        ("05m", timedelta(minutes=5)),
        ("999999999999s", timedelta(seconds=999_999_999_999)),
    ],
)
def test_valid(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "15", "m", "15 minutes", "1.5h", "-5m", "+5m", "0s", "0m", "000d", "1h30m", "1w", "5y",
        "5ms", "m5", "fifteen m", "\u0665m", "１５m", "99999999999999999999d", "9" * 5000 + "s",
        "999999999999d", "1000000000d",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


@pytest.mark.parametrize("value", [15, 1.5, None, timedelta(minutes=1), b"15m"])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidDuration, match="30s, 15m, 2h or 1d"):
        parse_duration(value)  # type: ignore[arg-type]


def test_messages_explain() -> None:
    with pytest.raises(InvalidDuration, match="expected a duration like 30s, 15m, 2h or 1d, got '1w'"):
        parse_duration("1w")
    with pytest.raises(InvalidDuration, match="must be positive"):
        parse_duration("0m")
    with pytest.raises(InvalidDuration, match="too long"):
        parse_duration("99999999999d")
    assert issubclass(InvalidDuration, ValueError)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=-30), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=59.9), "59s"),
        (timedelta(seconds=60), "1m"),
        (timedelta(seconds=61), "1m 1s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=1, minutes=5), "1h 5m"),
        (timedelta(hours=1, minutes=5, seconds=9), "1h 5m"),
        (timedelta(hours=2), "2h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=2, hours=3), "2d 3h"),
        (timedelta(days=2, hours=3, minutes=4), "2d 3h"),
        (timedelta(days=1, minutes=5), "1d 5m"),
        (timedelta(days=400), "400d"),
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**8), st.sampled_from(sorted(UNIT_SECONDS)), st.booleans())
def test_parse_then_format_round_trips(amount: int, unit: str, upper: bool) -> None:
    """Every part format_duration prints parses back; together they lose less than the last unit printed."""
    delta = parse_duration(f"{amount}{unit.upper() if upper else unit}")
    assert delta == timedelta(seconds=amount * UNIT_SECONDS[unit])
    parts = format_duration(delta).split()
    assert 1 <= len(parts) <= 2
    back = sum((parse_duration(part) for part in parts), timedelta())
    if len(parts) == 1:
        assert back == delta
    else:
        assert timedelta(0) <= delta - back < timedelta(seconds=UNIT_SECONDS[parts[-1][-1]])
        assert UNIT_SECONDS[parts[0][-1]] > UNIT_SECONDS[parts[1][-1]], "largest unit first"


@settings(max_examples=200, deadline=None)
@given(
    st.tuples(
        st.integers(min_value=0, max_value=10**5),
        st.integers(min_value=0, max_value=23),
        st.integers(min_value=0, max_value=59),
        st.integers(min_value=0, max_value=59),
    ),
    st.sets(st.sampled_from([0, 1, 2, 3]), min_size=1, max_size=2),
)
def test_durations_of_at_most_two_units_round_trip_exactly(
    components: tuple[int, int, int, int], keep: set[int]
) -> None:
    seconds = sum(
        value * size
        for index, (value, size) in enumerate(zip(components, (86400, 3600, 60, 1), strict=True))
        if index in keep
    )
    if seconds == 0:
        return
    delta = timedelta(seconds=seconds)
    text = format_duration(delta)
    assert sum((parse_duration(part) for part in text.split()), timedelta()) == delta
