"""Slack date tokens as each reader sees them: their own timezone, today/yesterday, the fallback when unreadable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.playground.slack_dates import format_date_token, render_date

PARIS_WINTER = timezone(timedelta(hours=1))
NOW = datetime(2026, 12, 1, 22, 0, tzinfo=PARIS_WINTER)
AT = int(datetime(2026, 12, 1, 20, 33, 5, tzinfo=UTC).timestamp())  # 21:33:05 in Paris


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{time}", "21:33"),
        ("{time_secs}", "21:33:05"),
        ("{date_num}", "2026-12-01"),
        ("{date}", "December 1st, 2026"),
        ("{date_short}", "Dec 1, 2026"),
        ("{date_long}", "Tuesday, December 1st, 2026"),
        ("{date_short_pretty} at {time}", "today at 21:33"),
        ("{date_pretty}", "today"),
        ("{ago}", "26 minutes ago"),
        ("since {time}", "since 21:33"),
    ],
)
def test_tokens(fmt: str, expected: str) -> None:
    assert format_date_token(AT, fmt, now=NOW) == expected


def test_pretty_dates_say_yesterday_then_the_date() -> None:
    assert format_date_token(AT, "{date_short_pretty}", now=NOW + timedelta(days=1)) == "yesterday"
    assert format_date_token(AT, "{date_short_pretty}", now=NOW + timedelta(days=3)) == "Dec 1, 2026"
    assert format_date_token(AT, "{date_pretty}", now=NOW - timedelta(days=1)) == "tomorrow"


def test_each_reader_sees_their_own_timezone() -> None:
    tokyo = timezone(timedelta(hours=9))
    in_tokyo = NOW.astimezone(tokyo)  # 06:00 on 2 December there
    assert format_date_token(AT, "{date_num} {time}", now=in_tokyo) == "2026-12-02 05:33"
    assert format_date_token(AT, "{date_short_pretty} at {time}", now=in_tokyo) == "today at 05:33"


@pytest.mark.parametrize("command", ["date", "date^x^{time}", "date^1^{nonsense}", "here", "date^^{time}"])
def test_unreadable_tokens_give_none_so_the_fallback_shows(command: str) -> None:
    assert render_date(command, now=NOW) is None


def test_ordinals() -> None:
    days = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd"}
    for day, word in days.items():
        at = int(datetime(2026, 3, day, 12, tzinfo=PARIS_WINTER).timestamp())
        assert format_date_token(at, "{date}", now=NOW) == f"March {word}, 2026"
