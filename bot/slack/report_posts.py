"""What Slack shows for the reports: the daily digest posted to its channel (the broadcast one by default)."""

from __future__ import annotations

import re

from bot.domain.digest import Digest
from bot.domain.events import DailyDigestPosted
from bot.services.outbox import Delivery, GiveUp
from bot.slack.blocks.digest import digest_blocks, digest_text
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
