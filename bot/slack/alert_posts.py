"""Outbox handlers for alerts: refresh the card's counts, post "alert resolved", the notice and the page DMs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.events import AlertNotice, AlertResolved, AlertsChanged
from bot.services.outbox import Delivery, GiveUp
from bot.slack.blocks import alerts as blocks
from bot.slack.notifier import SlackNotifier

# Who a policy's first level pages at an instant (user ids), resolved by the paging adapter.
WhoIsPaged = Callable[[str, datetime], list[str]]


class AlertPosts:
    def __init__(self, notifier: SlackNotifier, who: WhoIsPaged, clock: Callable[[], datetime]) -> None:
        self.notifier = notifier
        self.who = who
        self.clock = clock

    def changed(self, d: Delivery, event: AlertsChanged) -> None:
        self.notifier.refresh_card(d)

    def resolved(self, d: Delivery, event: AlertResolved) -> None:
        inc = d.incident
        if inc is None:
            raise GiveUp("incident is gone")
        self.notifier.post(
            d, "resolved", self.notifier.channel(d), blocks.resolved_message(inc, event), blocks.resolved_text(event)
        )
        self.notifier.refresh_card(d)

    def notice(self, d: Delivery, event: AlertNotice) -> None:
        if not event.page or not event.policy_id:
            channel = self.notifier.slack.broadcast_channel_id()
            self.notifier.post(d, "notice", channel, blocks.notice_message(event), blocks.notice_text(event))
            return
        if d.done("users"):
            users = list(d.progress["users"])
        else:
            users = self.who(event.policy_id, event.at or self.clock())
            d.mark("users", users)
        for user in users:
            step = f"dm:{user}"
            if d.done(step):
                continue
            dm = self.notifier.slack.call(
                "conversations.open", users=user, tolerate=("user_not_found", "cannot_dm_bot", "user_disabled")
            )
            if dm.get("ok"):
                self.notifier.post(d, step, str(dm["channel"]["id"]), blocks.page_dm(event), blocks.notice_text(event))
            d.mark(step)
