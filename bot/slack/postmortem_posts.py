"""What Slack shows when a post-mortem is due and not done: a DM to its owner and a line in the channel."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain.events import PostmortemDraft, PostmortemReminder
from bot.domain.postmortems import DONE_USAGE, SKIP_USAGE
from bot.services.outbox import Delivery, GiveUp
from bot.services.read_models import IncidentView
from bot.slack.blocks.common import SECTION_TEXT, cut, when
from bot.slack.notifier import SlackNotifier


def reminder_text(inc: IncidentView, event: PostmortemReminder) -> str:
    again = f" (reminder {event.nth})" if event.nth > 1 else ""
    return f"The post-mortem of {inc.ref} was due {when(event.due_at)} and is not done yet{again}."


def reminder_blocks(inc: IncidentView, event: PostmortemReminder, *, in_channel: bool) -> list[Block]:
    where = "" if in_channel or not inc.channel_id else f" in <#{inc.channel_id}>"
    lead = f"<@{event.owner}>, the" if in_channel else "The"
    again = f" _Reminder {event.nth}; one a day until it is done or skipped._" if event.nth > 1 else ""
    text = (
        f":memo: {lead} post-mortem of *{inc.ref}* ({inc.title}) was due {when(event.due_at)}.{again}\n"
        f"Once it is written, run `/incident {DONE_USAGE}`{where}; if there will be none, "
        f"`/incident {SKIP_USAGE}`."
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=cut(text, SECTION_TEXT))),
        ContextBlock(elements=[MarkdownTextObject(text="The draft was uploaded to the channel when it was resolved.")]),
    ]


class PostmortemPosts:
    """Outbox handlers for post-mortems: the draft (rendered by the use case, which queues its upload) and the
    reminders, through the notifier (idempotent per step)."""

    def __init__(self, notifier: SlackNotifier, render: Callable[[Delivery, PostmortemDraft], None]) -> None:
        self.notifier = notifier
        self.draft = render

    def reminder(self, d: Delivery, event: PostmortemReminder) -> None:
        inc = d.incident
        if inc is None:
            raise GiveUp("incident is gone")
        slack = self.notifier.slack
        text = reminder_text(inc, event)
        if not d.done("dm_channel") and not d.done("failed:dm"):
            with self.notifier.best_effort(d, "dm"):
                dm = slack.call("conversations.open", users=event.owner)
                d.mark("dm_channel", str(dm["channel"]["id"]))
        if d.done("dm_channel"):
            self.notifier.post(
                d, "dm", str(d.progress["dm_channel"]), reminder_blocks(inc, event, in_channel=False), text
            )
        channel = self.notifier.channel_or_none(d)
        if channel:
            # The channel may be archived by now: the DM is what counts.
            with self.notifier.best_effort(d, "channel"):
                self.notifier.post(d, "channel", channel, reminder_blocks(inc, event, in_channel=True), text)
