"""Parse and format the short durations used in playbooks (``30s``, ``15m``, ``2h``, ``1d``)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE | re.ASCII)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class InvalidDuration(ValueError):
    """Raised when a duration string is not ``<positive integer><s|m|h|d>``."""


def parse_duration(text: str) -> timedelta:
    """Turn ``"15m"`` into ``timedelta(minutes=15)``; zero and negative values are refused."""
    if not isinstance(text, str):
        raise InvalidDuration(f"expected a duration like 30s, 15m, 2h or 1d, got {text!r}")
    match = _DURATION.match(text)
    if not match:
        raise InvalidDuration(f"expected a duration like 30s, 15m, 2h or 1d, got {text!r}")
    digits = match.group(1)
    if len(digits) > 12:
        raise InvalidDuration(f"duration is too long, got {text[:40]!r}")
    amount = int(digits)
    if amount <= 0:
        raise InvalidDuration(f"duration must be positive, got {text!r}")
    try:
        return timedelta(seconds=amount * _UNITS[match.group(2).lower()])
    except OverflowError as exc:
        raise InvalidDuration(f"duration is too long, got {text!r}") from exc


def format_duration(delta: timedelta) -> str:
    """Human form used in messages: ``1h 5m``, ``45s``, ``2d 3h``; at most two units."""
    total = int(max(delta.total_seconds(), 0))
    if total < 60:
        return f"{total}s"
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
        if len(parts) == 2:
            break
    return " ".join(parts)
