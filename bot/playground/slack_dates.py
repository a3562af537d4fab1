"""Slack's ``<!date^…>`` tokens as Slack shows them, in the playground viewer's (the machine's) own timezone."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

_TOKEN = re.compile(r"\{(\w+)\}")


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _pretty(moment: datetime, today: date, otherwise: str) -> str:
    delta = (moment.date() - today).days
    return {0: "today", -1: "yesterday", 1: "tomorrow"}.get(delta, otherwise)


def _ago(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if future else f"{words} ago"
    return "in a few seconds" if future else "a few seconds ago"


def format_date_token(timestamp: int, fmt: str, now: datetime | None = None, tz: tzinfo | None = None) -> str | None:
    """``fmt`` (``{date_short_pretty} at {time}``…) filled in for ``timestamp``; None for an unknown token."""
    now = now or datetime.now(tz).astimezone(tz)
    moment = datetime.fromtimestamp(timestamp, tz=now.tzinfo)
    today = now.date()
    long = f"{moment:%A}, {moment:%B} {_ordinal(moment.day)}, {moment.year}"
    plain = f"{moment:%B} {_ordinal(moment.day)}, {moment.year}"
    short = f"{moment:%b} {moment.day}, {moment.year}"
    values = {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": plain,
        "date_short": short,
        "date_long": long,
        "date_pretty": _pretty(moment, today, plain),
        "date_short_pretty": _pretty(moment, today, short),
        "date_long_pretty": _pretty(moment, today, long),
        "time": f"{moment:%H:%M}",
        "time_secs": f"{moment:%H:%M:%S}",
        "ago": _ago(moment, now),
    }
    unknown = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unknown
        if match.group(1) not in values:
            unknown = True
            return match.group(0)
        return values[match.group(1)]

    out = _TOKEN.sub(fill, fmt)
    return None if unknown else out


def render_date(command: str, now: datetime | None = None, tz: tzinfo | None = None) -> str | None:
    """The text of ``date^1700000000^{date}`` (the part of ``<!…|fallback>`` before the bar), or None."""
    parts = command.split("^")
    if len(parts) < 3 or parts[0] != "date" or not parts[1].lstrip("-").isdigit():
        return None
    return format_date_token(int(parts[1]), parts[2], now, tz)


