"""Rotation maths: handoffs in the schedule's timezone, turn order, DST transitions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rotation import handoff_at, next_handoff, on_call, shift_at, shift_index
from bot.playbooks.oncall import Schedule, parse_handoff, parse_rotation

ZONES = ["UTC", "Europe/London", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "America/Santiago", "Pacific/Chatham"]


def schedule(zone: str, rotation: object, handoff: str | None, people: tuple[str, ...] = ("U0A", "U0B", "U0C")
             ) -> Schedule:
    rot = parse_rotation(rotation)
    tz = ZoneInfo(zone)
    return Schedule("primary", tz, rot, parse_handoff(handoff, rot, tz), people)


instants = st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC))
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))
weekdays = st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(["daily", "weekly", "hours"]))
    people = tuple(f"U0P{i}" for i in range(draw(st.integers(1, 5))))
    if kind == "weekly":
        return schedule(zone, "weekly", f"{draw(weekdays)} {draw(clock)}", people)
    if kind == "daily":
        return schedule(zone, "daily", draw(clock), people)
    return schedule(zone, {"hours": draw(st.sampled_from([1, 6, 8, 12, 36]))}, draw(clock), people)


def _transitions(zone: str) -> list[datetime]:
    """Every UTC instant from 2020 to 2035 at which ``zone`` changes its offset (to the minute)."""
    tz = ZoneInfo(zone)
    found: list[datetime] = []
    day = datetime(2020, 1, 1, tzinfo=UTC)
    while day.year < 2036:
        nxt = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = day, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        day = nxt
    return found


DST_ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "Australia/Sydney", "America/Santiago",
             "Pacific/Chatham"]
TRANSITIONS = [(zone, at) for zone in DST_ZONES for at in _transitions(zone)]


@st.composite
def hourly_around_a_dst_change(draw: st.DrawFn) -> tuple[Schedule, datetime]:
    """An hours-rotation in a zone with DST, and an instant within a day or two of one of its transitions."""
    zone, change = draw(st.sampled_from(TRANSITIONS))
    hours = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 24, 36]))
    people = tuple(f"U0P{i}" for i in range(draw(st.integers(1, 5))))
    s = schedule(zone, {"hours": hours}, draw(clock), people)
    return s, change + timedelta(minutes=draw(st.integers(-48 * 60, 48 * 60)))


@settings(max_examples=400, deadline=None)
@given(hourly_around_a_dst_change())
def test_hourly_shifts_last_exactly_their_hours_across_dst_changes(case: tuple[Schedule, datetime]) -> None:
    s, at = case
    period = timedelta(hours=s.rotation.hours or 1)
    shift = shift_at(s, at - 2 * period)
    for _ in range(8):  # a run of consecutive shifts spanning the transition
        assert shift.end > shift.start
        assert shift.end - shift.start == period
        after = shift_at(s, shift.end)
        assert after.start == shift.end and after.index == shift.index + 1
        assert after.person == s.people[after.index % len(s.people)]
        if len(s.people) > 1:
            assert after.person != shift.person  # nobody's turn is skipped or doubled
        shift = after


def test_hourly_rotation_skips_nobody_on_the_spring_forward_day() -> None:
    for zone, day in (("Europe/Paris", datetime(2026, 3, 29, tzinfo=UTC)),
                      ("America/New_York", datetime(2026, 3, 8, tzinfo=UTC))):
        s = schedule(zone, {"hours": 1}, "00:00", ("U0A", "U0B", "U0C"))
        shifts = [shift_at(s, day + timedelta(hours=h)) for h in range(-2, 30)]
        assert all(x.end - x.start == timedelta(hours=1) for x in shifts), zone
        assert [x.index for x in shifts] == list(range(shifts[0].index, shifts[0].index + len(shifts))), zone


@settings(max_examples=400, deadline=None)
@given(schedules(), instants)
def test_the_shift_running_now_contains_now(s: Schedule, at: datetime) -> None:
    shift = shift_at(s, at)
    assert shift.start <= at < shift.end
    assert next_handoff(s, at) == shift.end > at


@settings(max_examples=300, deadline=None)
@given(schedules(), instants)
def test_the_next_shift_goes_to_the_next_person_in_turn(s: Schedule, at: datetime) -> None:
    shift = shift_at(s, at)
    after = shift_at(s, shift.end)
    assert after.index > shift.index
    assert after.person == s.people[after.index % len(s.people)]
    # Just before the handoff it is still the same person.
    assert on_call(s, shift.end - timedelta(microseconds=1)) == shift.person


@settings(max_examples=300, deadline=None)
@given(schedules(), st.integers(-2000, 2000))
def test_handoffs_never_go_backwards(s: Schedule, index: int) -> None:
    assert handoff_at(s, index) <= handoff_at(s, index + 1)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), clock, instants)
def test_daily_handoffs_happen_at_the_local_clock_time(zone: str, hhmm: str, at: datetime) -> None:
    s = schedule(zone, "daily", hhmm)
    local = next_handoff(s, at).astimezone(ZoneInfo(zone))
    wanted = time(int(hhmm[:2]), int(hhmm[3:]))
    wall = datetime.combine(local.date(), wanted)
    # Either exactly the wall time, or (inside a spring-forward gap) the instant that wall time maps to.
    # Compared as instants: datetimes sharing a zone compare by wall time, which a gap would hide.
    assert local.time() == wanted or local.timestamp() == wall.replace(tzinfo=ZoneInfo(zone)).timestamp()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), weekdays, instants)
def test_weekly_handoffs_happen_on_the_weekday(zone: str, day: str, at: datetime) -> None:
    s = schedule(zone, "weekly", f"{day} 09:00")
    local = next_handoff(s, at).astimezone(ZoneInfo(zone))
    assert local.strftime("%A").lower() == day
    assert local.time() == time(9, 0)


@settings(max_examples=200, deadline=None)
@given(schedules(), instants)
def test_every_person_gets_exactly_one_turn_per_cycle(s: Schedule, at: datetime) -> None:
    first = shift_index(s, at)
    turns = [s.people[(first + i) % len(s.people)] for i in range(len(s.people))]
    assert sorted(turns) == sorted(s.people)


def test_london_daily_shift_is_23_hours_in_spring_and_25_in_autumn() -> None:
    s = schedule("Europe/London", "daily", "09:00")
    spring = shift_at(s, datetime(2026, 3, 28, 12, tzinfo=UTC))  # Sat 09:00 GMT -> Sun 09:00 BST
    assert spring.end - spring.start == timedelta(hours=23)
    assert spring.end == datetime(2026, 3, 29, 8, tzinfo=UTC)
    autumn = shift_at(s, datetime(2026, 10, 24, 12, tzinfo=UTC))  # Sat 09:00 BST -> Sun 09:00 GMT
    assert autumn.end - autumn.start == timedelta(hours=25)
    assert autumn.end == datetime(2026, 10, 25, 9, tzinfo=UTC)


def test_new_york_weekly_handoff_stays_at_nine_local_across_dst() -> None:
    s = schedule("America/New_York", "weekly", "monday 09:00", ("U0A", "U0B"))
    before = next_handoff(s, datetime(2026, 3, 4, tzinfo=UTC))
    after = next_handoff(s, before)
    assert before == datetime(2026, 3, 9, 13, tzinfo=UTC)  # 09:00 EDT (DST began Sunday 8 March)
    assert next_handoff(s, datetime(2026, 3, 1, tzinfo=UTC)) == datetime(2026, 3, 2, 14, tzinfo=UTC)  # EST
    assert after - before == timedelta(weeks=1)
    assert on_call(s, before) != on_call(s, after)


def test_a_handoff_inside_the_spring_gap_happens_when_the_clock_jumps() -> None:
    s = schedule("Europe/Paris", "daily", "02:30")
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    gap = next_handoff(s, datetime(2026, 3, 28, 23, tzinfo=UTC))
    assert datetime(2026, 3, 29, 0, 59, tzinfo=UTC) < gap <= datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_handoff_in_the_autumn_overlap_happens_once_at_the_first_occurrence() -> None:
    s = schedule("America/New_York", "daily", "01:30")
    # 1 November 2026: 01:30 happens twice (EDT then EST); the handoff is at the first one.
    first = next_handoff(s, datetime(2026, 11, 1, 4, tzinfo=UTC))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert next_handoff(s, first) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def test_hours_rotation_from_an_iso_start() -> None:
    s = schedule("UTC", {"hours": 12}, "2026-01-05T09:00", ("U0A", "U0B"))
    assert on_call(s, datetime(2026, 1, 5, 9, tzinfo=UTC)) == "U0A"
    assert on_call(s, datetime(2026, 1, 5, 20, 59, tzinfo=UTC)) == "U0A"
    assert on_call(s, datetime(2026, 1, 5, 21, tzinfo=UTC)) == "U0B"
    assert on_call(s, datetime(2026, 1, 6, 9, tzinfo=UTC)) == "U0A"
    assert on_call(s, datetime(2026, 1, 5, 8, 59, tzinfo=UTC)) == "U0B"  # the shift before the start


def test_weekly_turns_follow_list_order() -> None:
    s = schedule("UTC", "weekly", "monday 09:00")
    monday = datetime(2026, 1, 5, 9, tzinfo=UTC)
    people = [on_call(s, monday + timedelta(weeks=w)) for w in range(6)]
    assert people[:3] == people[3:]
    assert sorted(people[:3]) == ["U0A", "U0B", "U0C"]
    assert on_call(s, monday - timedelta(seconds=1)) == people[-1]
