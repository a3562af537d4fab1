"""Small shared pieces for Block Kit: safe truncation, mentions, Slack date tokens, severity emoji."""

from __future__ import annotations

from datetime import datetime

from bot.domain.severity import Severity
from bot.domain.status import Status

ALERT_REPORTER = "alert: "
SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
OPTION_TEXT = 75
MESSAGE_TEXT = 3900  # chat.update refuses text over 4,000 characters

STATUS_EMOJI = {
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":bulb:",
    Status.MONITORING: ":eyes:",
    Status.RESOLVED: ":white_check_mark:",
}
_RANK_EMOJI = (":red_circle:", ":large_orange_circle:", ":large_yellow_circle:", ":large_blue_circle:")


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis when it had to be cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mention(user_id: str | None, empty: str = "_unassigned_") -> str:
    if user_id and user_id.startswith(ALERT_REPORTER):
        return user_id  # declared by an alert ("alert: datadog"), not a person
    return f"<@{user_id}>" if user_id else empty


def channel_link(channel_id: str | None, name: str | None = None) -> str:
    if channel_id:
        return f"<#{channel_id}>"
    return f"#{name}" if name else "_channel being created_"


def when(moment: datetime | None, fmt: str = "{date_short_pretty} {time}") -> str:
    """A Slack date token that each reader sees in their own timezone, with a UTC fallback."""
    if moment is None:
        return "—"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def severity_emoji(severity: Severity) -> str:
    if severity.emoji:
        return severity.emoji
    return _RANK_EMOJI[min(severity.rank, len(_RANK_EMOJI) - 1)]


def severity_text(severity: Severity) -> str:
    return f"{severity_emoji(severity)} {severity.label}"


def status_text(status: Status) -> str:
    return f"{STATUS_EMOJI[status]} {status.label}"
