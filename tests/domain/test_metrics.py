"""Metric definitions on hand-made timelines: acknowledge, mitigate, resolve, reopen, cadence, percentiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.metrics import (
    Cadence,
    Event,
    FollowUpTimes,
    PostmortemTimes,
    cadence,
    follow_up_counts,
    iso_weeks,
    lifecycle,
    median,
    percentile,
    postmortem_completion,
    spread,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mins(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


def declared(at: float = 0, severity: str = "SEV2") -> Event:
    return Event("declared", m(at), severity=severity)


def ack(at: float) -> Event:
    return Event("acknowledged", m(at))


def update(at: float, status: str = "investigating", kind: str = "update") -> Event:
    return Event(kind, m(at), status=status)


def resolved(at: float) -> Event:
    return Event("resolved", m(at))


def reopened(at: float) -> Event:
    return Event("reopened", m(at))


# (name, events, expected minutes to acknowledge, to mitigate, to resolve, reopen count)
LIFECYCLES = [
    (
        "ack before mitigate",
        [declared(), ack(4), update(10, "identified"), update(30, "monitoring"), resolved(50)],
        4,
        30,
        50,
        0,
    ),
    ("mitigate without ack", [declared(), update(20, "monitoring"), resolved(45)], None, 20, 45, 0),
    (
        "reopen: counted once, with its final resolution; mitigation is the first",
        [declared(), ack(2), update(15, "monitoring"), resolved(30), reopened(90), update(100), resolved(130)],
        2,
        15,
        130,
        1,
    ),
    ("reopened and still open", [declared(), resolved(30), reopened(60)], None, 30, None, 1),
    ("never acknowledged, still open", [declared(), update(5, "identified")], None, None, None, 0),
    ("resolved directly: mitigated when resolved", [declared(), ack(1), resolved(25)], 1, 25, 25, 0),
    ("a second acknowledgement changes nothing", [declared(), ack(3), ack(9), resolved(12)], 3, 12, 12, 0),
    (
        "back from monitoring: mitigation stays the first time",
        [declared(), update(10, "monitoring"), update(20, "investigating"), update(40, "monitoring"), resolved(60)],
        None,
        10,
        60,
        0,
    ),
    ("a heartbeat reaching monitoring mitigates", [declared(), update(7, "monitoring", "heartbeat")], None, 7, None, 0),
    ("events out of order are read in time order", [resolved(40), update(10, "monitoring"), ack(5)], 5, 10, 40, 0),
]


@pytest.mark.parametrize(
    ("events", "tta", "ttm", "ttr", "reopens"),
    [row[1:] for row in LIFECYCLES],
    ids=[row[0] for row in LIFECYCLES],
)
def test_lifecycle(events: list[Event], tta: float | None, ttm: float | None, ttr: float | None, reopens: int) -> None:
    life = lifecycle(T0, events)
    assert mins(life.time_to_acknowledge) == tta
    assert mins(life.time_to_mitigate) == ttm
    assert mins(life.time_to_resolve) == ttr
    assert life.reopened == reopens


EVERY = {"SEV1": timedelta(minutes=30), "SEV2": timedelta(minutes=60), "SEV4": None}

# (name, events, severity declared, minutes after T0 the report ends, (on time, windows))
CADENCES = [
    ("every update in time, resolved in time", [declared(0, "SEV1"), update(25), update(50), resolved(70)], 120, (3, 3)),
    ("one silence of 70 min on a 30 min cadence: two missed windows then one in time",
     [declared(0, "SEV1"), update(70), resolved(80)], 120, (2, 4)),
    ("an update exactly when due is in time", [declared(0, "SEV1"), update(30), resolved(31)], 60, (2, 2)),
    ("open at the end: the window still running is not counted", [declared(0, "SEV1"), update(20)], 45, (1, 1)),
    ("open and silent: every reminder due by the end is a miss", [declared(0, "SEV1")], 90, (0, 3)),
    ("no cadence for the severity: no windows", [declared(0, "SEV4"), resolved(600)], 900, (0, 0)),
    ("severity raised: the faster cadence counts from the last update",
     [declared(0, "SEV2"), update(10), Event("severity_changed", m(20), severity="SEV1"), update(35), resolved(60)],
     90, (3, 3)),
    ("reopened: windows start again at the reopen",
     [declared(0, "SEV1"), resolved(10), reopened(100), update(150), resolved(160)], 200, (3, 4)),
    ("events after the end are ignored", [declared(0, "SEV1"), update(20), resolved(500)], 40, (1, 1)),
]


@pytest.mark.parametrize(
    ("events", "end", "expected"), [row[1:] for row in CADENCES], ids=[row[0] for row in CADENCES]
)
def test_cadence(events: list[Event], end: float, expected: tuple[int, int]) -> None:
    assert cadence(events, EVERY, "SEV2", m(end)) == Cadence(*expected)


def test_cadence_share() -> None:
    assert Cadence(3, 4).share == 0.75 and Cadence().share is None
    assert Cadence(1, 2) + Cadence(2, 2) == Cadence(3, 4)


def test_median_and_nearest_rank_percentile() -> None:
    values = [timedelta(minutes=v) for v in (10, 1, 7, 3, 5, 9, 2, 8, 4, 6)]
    assert median(values) == timedelta(minutes=5.5)
    assert percentile(values, 90) == timedelta(minutes=9)  # rank ceil(0.9 * 10) = 9
    assert percentile(values[:3], 90) == timedelta(minutes=10)  # rank ceil(2.7) = 3 of [1, 7, 10]
    assert median([timedelta(minutes=4)]) == percentile([timedelta(minutes=4)], 90) == timedelta(minutes=4)
    assert median([]) is None and percentile([], 90) is None
    eleven = [timedelta(minutes=v) for v in range(1, 12)]
    assert median(eleven) == timedelta(minutes=6) and percentile(eleven, 90) == timedelta(minutes=10)
    s = spread([timedelta(minutes=2), None, timedelta(minutes=4)])
    assert (s.count, s.median, s.p90) == (2, timedelta(minutes=3), timedelta(minutes=4))


def test_follow_up_counts_in_a_range() -> None:
    since, until = m(0), m(7 * 24 * 60)
    day = timedelta(days=1)
    items = [
        FollowUpTimes(since + day, None, None),  # opened, open, no due date
        FollowUpTimes(since + day, since + 2 * day, since + 5 * day),  # opened and closed
        FollowUpTimes(since - day, since + day, since),  # closed in the range only
        FollowUpTimes(since - 9 * day, None, since + 2 * day),  # older, overdue at the end
        FollowUpTimes(since + day, until + day, since + 3 * day),  # opened, closed only after: overdue at the end
        FollowUpTimes(since + day, None, until + day),  # open, due after the end: not overdue
        FollowUpTimes(until, None, since),  # created after the range: nothing
    ]
    counts = follow_up_counts(items, since, until)
    assert (counts.opened, counts.closed, counts.overdue) == (4, 2, 2)


def test_postmortem_completion_counts_those_due_in_the_range() -> None:
    since, until = m(0), m(1000)
    items = [
        PostmortemTimes(m(10), m(5), None),  # done before it was due
        PostmortemTimes(m(20), None, m(30)),  # skipped
        PostmortemTimes(m(30), None, None),  # not done
        PostmortemTimes(m(40), m(2000), None),  # done only after the end
        PostmortemTimes(m(-10), None, None),  # due before the range
        PostmortemTimes(None, None, None),  # no due date
    ]
    pm = postmortem_completion(items, since, until)
    assert (pm.due, pm.done, pm.skipped, pm.share) == (4, 1, 1, 0.5)


def test_iso_weeks_cover_the_range() -> None:
    since = datetime(2026, 12, 27, tzinfo=UTC)  # a Sunday, ISO week 52 of 2026
    assert iso_weeks(since, since + timedelta(days=9)) == ["2026-W52", "2026-W53", "2027-W01"]
    assert iso_weeks(since, since + timedelta(days=1)) == ["2026-W52"]
    assert date(2026, 12, 28).isocalendar()[1] == 53
