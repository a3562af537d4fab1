"""Slack markup to plain text for what leaves Slack (drafts, documents): people by name, no mentions or shortcodes."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.emoji import emoji_for

# <@U123>, <@U123|name>, <#C123|name>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>, <https://…|label>
_ANGLE = re.compile(r"<([^<>\s|][^<>|]*)(?:\|([^<>]*))?>")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SHORTCODE = re.compile(r":([a-z0-9_+'-]+(?:::skin-tone-[2-6])?):")

Person = Callable[[str], str]


def _angle(match: re.Match[str], person: Person) -> str:
    target, label = match.group(1), match.group(2) or ""
    if target.startswith(("@U", "@W")):
        return person(target[1:])
    if target.startswith("#"):
        return f"#{label}" if label else "#channel"
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name in ("here", "channel", "everyone"):
            return f"@{name}"
        if name == "subteam":
            return label or "@group"
        return label or name
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    return f"{label} ({target})" if label and label != target else target


def emoji_text(text: str) -> str:
    """``:shortcode:`` to its character; unknown shortcodes are left as they are."""
    return _SHORTCODE.sub(lambda m: emoji_for(m.group(1)) or m.group(0), text)


def plain_text(text: str, person: Person) -> str:
    """Mentions to names (``person`` maps a user id or an e-mail address to a name), links to "label (url)",
    shortcodes to emoji, Slack's escapes undone."""
    text = _ANGLE.sub(lambda m: _angle(m, person), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _EMAIL.sub(lambda m: person(m.group(0)), text)
    return emoji_text(text)
