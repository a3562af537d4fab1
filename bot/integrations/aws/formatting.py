"""Small text helpers for step results: timestamps, numbers, sparklines, bounded detail text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.domain.durations import format_duration, parse_duration

_BARS = "▁▂▃▄▅▆▇█"
MAX_DETAIL_CHARS = 20_000

OK = ":white_check_mark:"
WARN = ":warning:"
FIRE = ":rotating_light:"
INFO = ":information_source:"


def sparkline(values: Sequence[float]) -> str:
    """``▁▃█``-style line for a series; flat series draw at the bottom."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(len(_BARS) - 1, int((v - low) / span * (len(_BARS) - 1) + 0.5))] for v in values)


def number(value: float) -> str:
    """Compact number: integers without decimals, others to at most two places."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """``2024-05-01 12:03:04Z``: compact, unambiguous, sortable."""
    return utc(moment).strftime("%Y-%m-%d %H:%M:%SZ")


def from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def window_words(since: str) -> str:
    """``1h`` → ``the last 1h``; normalises ``90m`` to ``1h 30m``."""
    return f"the last {format_duration(parse_duration(since))}"


def bounded(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """Cut very long detail text, saying that it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 40].rstrip() + "\n… (truncated)"


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"
