"""Emoji shortcodes to unicode: the `emoji` package's names and aliases, plus Slack's own names where they differ."""

from __future__ import annotations

from functools import cache

import emoji

# Slack (its emoji-data short names) spells these differently from the `emoji` package, or has its own.
SLACK_NAMES: dict[str, str] = {
    "large_red_circle": "🔴",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "large_green_circle": "🟢",
    "large_purple_circle": "🟣",
    "large_brown_circle": "🟤",
    "large_red_square": "🟥",
    "large_orange_square": "🟧",
    "large_yellow_square": "🟨",
    "large_green_square": "🟩",
    "large_blue_square": "🟦",
    "large_purple_square": "🟪",
    "large_brown_square": "🟫",
    "pencil": "📝",
    "simple_smile": "🙂",
    "white_frowning_face": "☹️",
    "siren": "🚨",
    "octagonal_sign": "🛑",
    "squirrel": "🐿️",
    "shipit": "🐿️",
}
# ``:wave::skin-tone-3:``: Slack's skin tone suffixes, the Fitzpatrick modifiers.
SKIN_TONES: dict[str, str] = {f"skin-tone-{n}": chr(0x1F3FB + n - 2) for n in range(2, 7)}


@cache
def table() -> dict[str, str]:
    """Every known shortcode name (without colons) and its character, fully qualified where there is a choice."""
    found: dict[str, str] = {}
    qualified = emoji.STATUS["fully_qualified"]
    for char, data in emoji.EMOJI_DATA.items():
        for name in (data["en"], *data.get("alias", ())):
            key = name.strip(":")
            if key not in found or data["status"] == qualified:
                found[key] = char
    found.update(SLACK_NAMES)
    return found


def _flag(code: str) -> str:
    return "".join(chr(0x1F1E6 + ord(c) - ord("a")) for c in code)


def emoji_for(name: str) -> str | None:
    """The unicode for a shortcode name (without colons, optionally ``name::skin-tone-N``), or None."""
    base, _, tone = name.partition("::")
    known = table()
    char = known.get(base) or known.get(base.replace("-", "_"))
    if char is None and base.startswith("flag-") and len(base) == 7 and base[5:].isalpha():
        char = _flag(base[5:])  # Slack's flag-xx names for country flags
    if char is None:
        return None
    return char + SKIN_TONES.get(tone, "")
