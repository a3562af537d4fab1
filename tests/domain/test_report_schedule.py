"""When the digest falls due: local wall-clock time across DST changes, weekdays, late runs the same day only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.report_schedule import DAILY_DIGEST, LocalSchedule, parse_clock, parse_weekday

EVERY_DAY = frozenset(range(7))
LONDON = LocalSchedule(DAILY_DIGEST, time(9, 0), "Europe/London", EVERY_DAY)
WEEKDAYS = LocalSchedule(DAILY_DIGEST, time(9, 0), "Europe/London", frozenset(range(5)))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Spring forward on Sunday 29 March 2026: 09:00 is 09:00 UTC on Saturday, 08:00 UTC from Sunday.
        (utc(2026, 3, 28, 8, 0), utc(2026, 3, 28, 9, 0)),
        (utc(2026, 3, 28, 9, 30), utc(2026, 3, 29, 8, 0)),
        (utc(2026, 3, 29, 8, 30), utc(2026, 3, 30, 8, 0)),
        # Fall back on Sunday 25 October 2026: 08:00 UTC on Saturday, 09:00 UTC from Sunday.
        (utc(2026, 10, 24, 7, 0), utc(2026, 10, 24, 8, 0)),
        (utc(2026, 10, 24, 8, 30), utc(2026, 10, 25, 9, 0)),
    ],
)
def test_the_next_run_is_nine_local_across_dst_changes(now: datetime, expected: datetime) -> None:
    fired = {LONDON.local_day(now)} if LONDON.current_run(now) else set()
    assert LONDON.next_due(now, fired) == expected
    assert expected.astimezone(LONDON.zone).time() == time(9, 0)


def test_a_run_missed_earlier_today_is_due_at_once_and_a_day_missed_entirely_is_skipped() -> None:
    # Down from Tuesday 08:00 to Wednesday 11:00 local (GMT in December): Tuesday's run is never sent.
    now = utc(2026, 12, 2, 11, 0)
    assert LONDON.current_run(now) == (date(2026, 12, 2), utc(2026, 12, 2, 9, 0))
    assert LONDON.next_due(now, set()) == utc(2026, 12, 2, 9, 0)  # late, today
    assert LONDON.next_due(now, {date(2026, 12, 2)}) == utc(2026, 12, 3, 9, 0)
    assert LONDON.current_run(utc(2026, 12, 2, 8, 59)) is None


def test_weekends_are_skipped() -> None:
    friday_after = utc(2026, 12, 4, 10, 0)
    assert WEEKDAYS.next_due(friday_after, {date(2026, 12, 4)}) == utc(2026, 12, 7, 9, 0)  # Monday
    assert WEEKDAYS.current_run(utc(2026, 12, 5, 12, 0)) is None  # Saturday
    assert WEEKDAYS.next_due(utc(2026, 12, 5, 12, 0), set()) == utc(2026, 12, 7, 9, 0)


def test_a_time_inside_the_spring_gap_runs_once_that_day() -> None:
    night = LocalSchedule(DAILY_DIGEST, time(1, 30), "Europe/London", EVERY_DAY)
    # 01:30 does not exist on 29 March 2026 in London: read with the offset before the change (01:30 UTC).
    assert night.occurrence(date(2026, 3, 29)) == utc(2026, 3, 29, 1, 30)
    assert night.next_due(utc(2026, 3, 29, 1, 31), {date(2026, 3, 29)}) == utc(2026, 3, 30, 0, 30)
    # 01:30 happens twice on 25 October: the first one (BST) is the run.
    assert night.occurrence(date(2026, 10, 25)) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (570, 'expected a quoted time such as "09:00" (YAML read 570)'),
        ("9am", "expected a time such as \"09:00\" (24-hour HH:MM), got '9am'"),
        ("24:00", "'24:00' is not a time of day (00:00 to 23:59)"),
    ],
)
def test_bad_times_say_what_is_expected(text: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_clock(text)
    assert str(caught.value) == message


def test_weekdays_read_short_and_long_names() -> None:
    assert [parse_weekday(w) for w in ("mon", "Tuesday", "sun")] == [0, 1, 6]
    with pytest.raises(ValueError, match="unknown weekday 'mo'"):
        parse_weekday("mo")
