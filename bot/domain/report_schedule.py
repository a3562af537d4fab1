"""When the daily digest and the weekly report fall due: a local wall-clock time on chosen weekdays, DST-safe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAILY_DIGEST = "daily_digest"
WEEKLY_REPORT = "weekly_report"


@dataclass(frozen=True)
class LocalSchedule:
    """``at`` local time in ``timezone`` on each of ``weekdays`` (0 = Monday); ``channel`` None: broadcast.

    A time that does not exist on a DST change day (inside the spring-forward gap) is read with the offset in
    force before the change (01:30 in London on the last Sunday of March is 02:30 BST); a time that happens
    twice (autumn) is its first occurrence. Either way the run happens once that day.
    """

    kind: str
    at: time
    timezone: str
    weekdays: frozenset[int]
    channel: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def occurrence(self, day: date) -> datetime:
        """The instant (in UTC) of the run on local ``day``."""
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)

    def local_day(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def period(self, day: date) -> str:
        """The key recording the run of ``day``: at most one run per key, ever."""
        return day.isoformat()

    def current_run(self, now: datetime) -> tuple[date, datetime] | None:
        """Today's run (local day of ``now``) if today is a chosen weekday and its time has come.

        Only today's: a run missed while nothing ran fires late the same local day, never on a later one.
        """
        today = self.local_day(now)
        if today.weekday() not in self.weekdays:
            return None
        due = self.occurrence(today)
        return (today, due) if due <= now else None

    def next_due(self, now: datetime, fired: set[date]) -> datetime | None:
        """When to fire next: today's run if due and not ``fired`` (now, late), else the next one to come."""
        if not self.weekdays:
            return None
        current = self.current_run(now)
        if current is not None and current[0] not in fired:
            return current[1]
        today = self.local_day(now)
        for offset in range(8):
            day = today + timedelta(days=offset)
            if day.weekday() in self.weekdays and day not in fired and self.occurrence(day) > now:
                return self.occurrence(day)
        return None


def parse_clock(value: object) -> time:
    """``"09:00"`` as a time of day; YAML reads an unquoted 09:00 as a number, so that is refused clearly."""
    if not isinstance(value, str):
        raise ValueError(f'expected a quoted time such as "09:00" (YAML read {value!r})')
    text = value.strip()
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f'expected a time such as "09:00" (24-hour HH:MM), got {value!r}')
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"{value!r} is not a time of day (00:00 to 23:59)")
    return time(int(hours), int(minutes))


def parse_weekday(value: object) -> int:
    """``mon`` … ``sun`` (or the full English name) as 0 … 6."""
    text = str(value).strip().lower() if isinstance(value, str) else ""
    for index, short in enumerate(WEEKDAYS):
        if text and (text == short or (len(text) > 3 and _FULL[index].startswith(text))):
            return index
    raise ValueError(f"unknown weekday {value!r}; expected one of {', '.join(WEEKDAYS)}")


_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
