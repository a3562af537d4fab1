"""What Slack shows for the reports: the daily digest and the weekly report (with its chart) in their channel."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from bot.domain.digest import Digest
from bot.domain.events import DailyDigestPosted, WeeklyReportPosted
from bot.services.outbox import Delivery, GiveUp
from bot.slack.blocks.digest import digest_blocks, digest_text
from bot.slack.blocks.weekly import weekly_blocks, weekly_text
from bot.slack.notifier import SlackNotifier

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class ReportPosts:
    """Outbox handlers for the reports, posting through the notifier (idempotent per step)."""

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier

    def daily_digest(self, d: Delivery, event: DailyDigestPosted) -> None:
        digest = Digest.from_payload(dict(event.digest))
        if not d.done("channel"):
            d.mark("channel", self.channel_id(event.channel))
        self.notifier.post(d, "digest", str(d.progress["channel"]), digest_blocks(digest), digest_text(digest))

    def weekly_report(self, d: Delivery, event: WeeklyReportPosted) -> None:
        """The message, then the chart uploaded in its thread-less channel; each step once."""
        if not d.done("channel"):
            d.mark("channel", self.channel_id(event.channel))
        channel = str(d.progress["channel"])
        rows: list[Mapping[str, Any]] = [r for r in event.rows if isinstance(r, Mapping)]
        weeks = round((event.until - (event.chart_since or event.since)).days / 7)
        self.notifier.post(
            d, "report", channel, weekly_blocks(event.since, event.until, rows, weeks),
            weekly_text(event.since, event.until, rows),
        )
        if event.chart_b64 and not d.done("chart"):
            file_id = self.notifier.slack.upload(
                channel=channel,
                filename=f"incidents-{event.until:%Y-%m-%d}.png",
                content=base64.b64decode(event.chart_b64),
                title=f"Incidents per week and time to resolve, {weeks} weeks to {event.until:%Y-%m-%d}",
            )
            d.mark("chart", file_id or True)

    def channel_id(self, name: str | None) -> str:
        """The channel a report goes to: the broadcast channel, a channel id as is, or a channel by name
        (joined when public)."""
        slack = self.notifier.slack
        if not name or name == slack.broadcast_channel_name:
            return slack.broadcast_channel_id()
        if _CHANNEL_ID.match(name):
            return name
        cursor = ""
        while True:
            page = slack.call(
                "conversations.list", types="public_channel,private_channel", exclude_archived=True, limit=200,
                cursor=cursor,
            )
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    if not channel.get("is_member") and not channel.get("is_private"):
                        slack.call("conversations.join", channel=channel["id"], tolerate=("already_in_channel",))
                    return str(channel["id"])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                raise GiveUp(f"No channel #{name} the bot can see (reports.yaml); create it or invite the bot.")
