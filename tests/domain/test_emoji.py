"""Emoji shortcodes render: every one the bot or the shipped playbooks write, Slack's own names, skin tones."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.domain.emoji import SLACK_NAMES, emoji_for
from bot.playground.mrkdwn import render_mrkdwn
from tests.harness import REPO, SHIPPED_PLAYBOOKS

# A shortcode as people write it in text: not glued to a word (so `file:line:` and `12:03:04` are not ones).
SHORTCODE = re.compile(r"(?<![^\s\"'(>*_\[]):([a-z0-9_+-]*[a-z][a-z0-9_+-]*):(?![^\s\"'.,;)<*_:!?\]])")


def _python_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def shortcodes_in_use() -> dict[str, str]:
    """Each shortcode in the bot's code and in the shipped playbooks, with one place it is used."""
    found: dict[str, str] = {}
    texts: list[tuple[Path, str]] = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        if path.name == "emoji.py":
            continue
        texts += [(path, s) for s in _python_strings(path)]
    for folder in (SHIPPED_PLAYBOOKS, REPO / "bot" / "playground" / "scenarios"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".yaml", ".md", ".j2"):
                texts.append((path, path.read_text(encoding="utf-8")))
    for path, text in texts:
        for name in SHORTCODE.findall(text):
            found.setdefault(name, str(path.relative_to(REPO)))
    return found


def test_the_scan_finds_the_shortcodes_the_bot_is_known_to_use() -> None:
    used = shortcodes_in_use()
    assert {"rotating_light", "large_orange_circle", "white_check_mark", "pager", "warning"} <= set(used)
    assert "line" not in used and "aws" not in used  # `file:line:`, `arn:aws:iam::`


def test_every_shortcode_the_bot_and_the_playbooks_use_renders() -> None:
    missing = {name: where for name, where in shortcodes_in_use().items() if emoji_for(name) is None}
    assert missing == {}


@pytest.mark.parametrize(
    ("name", "char"),
    [
        ("white_large_square", "⬜"),
        ("paperclip", "📎"),
        ("large_green_circle", "🟢"),
        ("large_orange_circle", "🟠"),
        ("pencil", "📝"),  # Slack's pencil is the memo
        ("thumbsup", "👍"),
        ("+1", "👍"),
        ("heavy_check_mark", "✔️"),
        ("flag-fr", "🇫🇷"),
        ("hammer_and_wrench", "🛠️"),
        ("wave::skin-tone-3", "👋🏼"),
    ],
)
def test_names_render_as_slack_shows_them(name: str, char: str) -> None:
    assert emoji_for(name) == char


@pytest.mark.parametrize("name", ["made_up_thing", "flag-", "flag-12", "skin-tone-9", ""])
def test_unknown_names_are_left_alone(name: str) -> None:
    assert emoji_for(name) is None


def test_slack_names_are_real_emoji() -> None:
    assert all(char and not char.isascii() for char in SLACK_NAMES.values())


def test_the_renderer_uses_the_table_and_keeps_unknown_codes_as_text() -> None:
    out = render_mrkdwn(":white_large_square: step :paperclip: file :wave::skin-tone-3: :made_up_thing:")
    assert "⬜" in out and "📎" in out and "👋🏼" in out and ":made_up_thing:" in out
