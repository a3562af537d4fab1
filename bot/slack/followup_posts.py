"""What Slack shows for follow-ups later: the DM telling an owner their follow-up is overdue."""

from __future__ import annotations

from datetime import date

from bot.domain.events import FollowUpOverdue
from bot.domain.followups import FollowUpView
from bot.services.outbox import Delivery, GiveUp
from bot.slack.blocks.followups import overdue_dm
from bot.slack.notifier import SlackNotifier


class FollowUpPosts:
    """Outbox handlers for follow-up events, posting through the notifier (idempotent per step)."""

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier

    def overdue(self, d: Delivery, event: FollowUpOverdue) -> None:
        inc = d.incident
        if inc is None:
            raise GiveUp("incident is gone")
        slack = self.notifier.slack
        if not d.done("dm_channel"):
            dm = slack.call("conversations.open", users=event.owner, tolerate=("user_not_found", "cannot_dm_bot"))
            if not dm.get("ok"):
                raise GiveUp(f"cannot DM {event.owner}: {dm.get('error')}")
            d.mark("dm_channel", str(dm["channel"]["id"]))
        item = FollowUpView(
            id=0,
            incident_id=inc.id,
            number=event.number,
            text=event.text,
            owner_id=event.owner,
            due_on=date.fromisoformat(event.due_on),
            created_by="",
            created_at=inc.declared_at,
            incident_ref=inc.ref,
            incident_title=inc.title,
        )
        now = self.notifier.clock()
        self.notifier.post(
            d,
            "dm",
            str(d.progress["dm_channel"]),
            overdue_dm(item, now),
            f"Your follow-up #{event.number} of {inc.ref} is overdue: {event.text}",
        )
