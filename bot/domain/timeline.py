"""Timeline capture rules: which reactions capture a message, its de-duplication key, its time and text."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.commands import MAX_TEXT
from bot.domain.text import defuse_broadcasts

# Reacting with one of these to a message in an incident channel adds the message to the timeline.
CAPTURE_REACTIONS = frozenset({"pushpin", "stopwatch"})
CAPTURED = "captured"
# Timeline kinds of the channel's clean-up.
ARCHIVED = "archived"
UNARCHIVED = "unarchived"
UNARCHIVE_REFUSED = "unarchive_refused"


def captures(reaction: str) -> bool:
    """Whether a reaction (``pushpin``, ``:stopwatch:``, ``pushpin::skin-tone-2``) captures its message."""
    return reaction.strip(":").split("::", 1)[0] in CAPTURE_REACTIONS


def capture_key(channel_id: str, ts: str) -> str:
    """One timeline entry per message: a second reaction, the other emoji, a re-pin or a retry add nothing."""
    return f"{CAPTURED}:{channel_id}:{ts}"


def message_time(ts: str) -> datetime | None:
    """The moment a Slack message ``ts`` (``"1712345678.000100"``) names, or None if it is not one."""
    try:
        seconds = float(ts)
    except (TypeError, ValueError):
        return None
    if not 0 < seconds < 1e11:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def captured_text(text: str) -> str:
    """The message text as stored: trimmed, within the timeline's length, broadcasts defused."""
    text = defuse_broadcasts(text.strip())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
