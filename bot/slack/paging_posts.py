"""What paging shows in Slack channels: page notices, the nobody-answered notice and update reminders."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.outbox import Delivery
from bot.services.read_models import IncidentView
from bot.slack.blocks import paging as blocks
from bot.slack.notifier import SlackNotifier


class SlackPagingPosts:
    """Implements ``services.ports.PagingPosts`` with the notifier's once-per-step posts."""

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier

    def channel_or_none(self, delivery: Delivery) -> str | None:
        return self.notifier.channel_or_none(delivery)

    def channel(self, delivery: Delivery) -> str:
        return self.notifier.channel(delivery)

    def page_notice(
        self, delivery: Delivery, channel: str, users: Sequence[str], level: int, cycle: int, reason: str
    ) -> None:
        # Level 0 is a page outside the escalation chain (a long-running rule).
        text = f"Paged level {level}: {reason}" if level else f"Paged: {reason}"
        self.notifier.post(delivery, "channel", channel, blocks.page_notice(users, level, cycle, reason), text)

    def exhausted_notice(self, delivery: Delivery, incident: IncidentView) -> None:
        notice = blocks.exhausted_notice(incident)
        text = f"Nobody acknowledged {incident.ref}"
        self.notifier.post(delivery, "channel", self.channel(delivery), notice, text)
        if not incident.private and not delivery.done("broadcast"):
            broadcast = self.notifier.slack.broadcast_channel_id()
            self.notifier.post(delivery, "broadcast", broadcast, notice, text)

    def nudge(
        self,
        delivery: Delivery,
        incident: IncidentView,
        since_seconds: int,
        ignored: int,
        also: Sequence[str],
        overdue: Sequence[str] = (),
    ) -> None:
        reminder = blocks.nudge(incident, since_seconds, ignored, also, overdue)
        self.notifier.post(delivery, "message", self.channel(delivery), reminder, f"Update reminder for {incident.ref}")
