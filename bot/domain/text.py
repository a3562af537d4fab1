"""People's text in Slack's mrkdwn-safe form: escaping typed input, defusing @channel, and plain display."""

from __future__ import annotations

import re

# Slack's control sequences: <@U…|label>, <#C…|label>, <!here>, <!subteam^S…|label>, <https://…|label>.
_TOKEN = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^<>]*)?>", re.IGNORECASE)


def escape(text: str) -> str:
    """Raw typed text (a modal's input) as mrkdwn that shows exactly what was typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def defuse_broadcasts(text: str) -> str:
    """``@channel``, ``@here`` and ``@everyone`` stay words: repeating them must not notify a whole channel."""
    return _BROADCAST.sub(lambda m: f"@{m.group(1).lower()}", text)


def from_command(text: str) -> str:
    """Slash-command text (Slack already escaped it, mentions are tokens), made safe to repeat."""
    return defuse_broadcasts(text)


def from_input(text: str) -> str:
    """A modal's plain-text input, made into the same mrkdwn-safe form as command text."""
    return escape(text)


def _token_text(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("@"):
        return f"@{label or target[1:]}"
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        return label or f"@{target[1:].split('^', 1)[0]}"
    return label or target


def plain(text: str) -> str:
    """mrkdwn-safe text as people read it, for plain_text fields, topics and channel names."""
    text = _TOKEN.sub(_token_text, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
