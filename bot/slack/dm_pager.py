"""The Slack pager (the default): a DM with Acknowledge and Escalate buttons, and an invitation to the channel."""

from __future__ import annotations

from bot.services.outbox import Delivery
from bot.services.ports import Page
from bot.services.read_models import IncidentView
from bot.slack.blocks import paging as blocks
from bot.slack.notifier import SlackNotifier


class SlackDmPager:
    name = "slack"

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier

    def page(self, delivery: Delivery, page: Page) -> None:
        inc = page.incident
        if inc.channel_id and not delivery.done("invite"):
            self.notifier.invite(inc.channel_id, page.users)
            delivery.mark("invite")
        for user in page.users:
            step = f"dm:{user}"
            if delivery.done(step):
                continue
            dm = self.notifier.slack.call(
                "conversations.open",
                users=user,
                tolerate=("user_not_found", "cannot_dm_bot", "user_disabled"),
            )
            if dm.get("ok"):
                self.notifier.post(
                    delivery,
                    step,
                    str(dm["channel"]["id"]),
                    blocks.page_dm(inc, page.level, page.reason),
                    blocks.page_dm_text(inc),
                )
            delivery.mark(step)

    def acknowledge(self, delivery: Delivery, incident: IncidentView, by: str | None) -> None:
        """Slack pages are acknowledged with the button itself; the card shows who."""

    def resolve(self, delivery: Delivery, incident: IncidentView) -> None:
        """Nothing to close on the Slack side."""
