"""What Slack does for the timeline and the channel's clean-up: fill in captured messages, archive the channel
after a final summary, unarchive it on reopen (or tell the reopener why it cannot be)."""

from __future__ import annotations

import logging
from typing import Any

from bot.domain.durations import format_duration
from bot.domain.events import ChannelArchiveDue, IncidentReopened, MessageCaptured
from bot.domain.status import Status
from bot.domain.timeline import ARCHIVED, UNARCHIVE_REFUSED, UNARCHIVED, captured_text
from bot.services.outbox import Delivery, NewEntry
from bot.slack.blocks import summary
from bot.slack.blocks.timeline import archive_notice, unarchive_refused
from bot.slack.gateway import SlackCallFailed
from bot.slack.notifier import SlackNotifier

log = logging.getLogger(__name__)

# What conversations.unarchive answers when the bot may not unarchive: a person has to.
UNARCHIVE_REFUSALS = ("not_authorized", "restricted_action", "missing_scope", "method_not_supported_for_channel_type",
                      "cant_unarchive", "not_in_channel", "channel_not_found")
_LOOKUP_REFUSALS = ("channel_not_found", "not_in_channel", "thread_not_found", "missing_scope", "message_not_found")


class TimelinePosts:
    """Outbox handlers for captured messages, archiving and unarchiving, each step idempotent."""

    def __init__(self, notifier: SlackNotifier) -> None:
        self.notifier = notifier
        self.slack = notifier.slack

    # -- capture -------------------------------------------------------------------------------
    def captured(self, d: Delivery, event: MessageCaptured) -> None:
        """The captured entry gets its permalink and, if the event lacked them, the message's text and author."""
        if d.done("filled"):
            return
        fields: dict[str, Any] = {}
        if event.fetch_text:
            message = self._message(event.channel, event.ts)
            if message is not None:
                fields["text"] = captured_text(str(message.get("text") or ""))
                author = message.get("user")
                if author:
                    fields["actor_id"] = str(author)
        link = self.slack.permalink(event.channel, event.ts)
        if link:
            fields["permalink"] = link
        d.patch_entry(event.entry_id, **fields)
        d.mark("filled")

    def _message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message ``ts``: top-level (conversations.history, latest inclusive) or a reply (replies)."""
        found = self.slack.call(
            "conversations.history", channel=channel, latest=ts, inclusive=True, limit=1, tolerate=_LOOKUP_REFUSALS
        )
        for message in found.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        found = self.slack.call("conversations.replies", channel=channel, ts=ts, limit=1, tolerate=_LOOKUP_REFUSALS)
        for message in found.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        log.info("captured message %s in %s not found; kept without its text", ts, channel)
        return None

    # -- clean-up ------------------------------------------------------------------------------
    def archive(self, d: Delivery, event: ChannelArchiveDue) -> None:
        """Final summary in the channel, then archive it; nothing if it was reopened or is archived already."""
        inc = self.notifier.current(d)
        if inc.status is not Status.RESOLVED or inc.channel_archived_at is not None or not inc.channel_id:
            log.info("%s: channel not archived (status %s)", inc.ref, inc.status.value)
            return
        channel, now = inc.channel_id, self.notifier.clock()
        after = inc.severity.archive_after
        if not d.done("final_summary") and not d.done("failed:final_summary"):
            blocks = summary.summary_message(inc, d.load_entries(), now, d.load_followups())
            blocks.append(archive_notice(inc, after))
            with self.notifier.best_effort(d, "final_summary"):
                self.notifier.post(d, "final_summary", channel, blocks, f"Final {summary.summary_text(inc)}")
        if d.done("archived"):
            return
        resp = self.slack.call("conversations.archive", channel=channel, tolerate=("already_archived",))
        d.mark("archived")
        d.patch_incident(channel_archived_at=now)
        if resp.get("ok"):
            waited = f" {format_duration(after)} after resolution" if after else ""
            d.add_entry(NewEntry(ARCHIVED, None, f"Channel archived{waited}", now, {"channel": channel}))

    def unarchive_on_reopen(self, d: Delivery, event: IncidentReopened) -> None:
        """Before the reopen is posted: unarchive the channel the bot archived, or say why it stays archived."""
        inc = self.notifier.current(d)
        if inc.channel_archived_at is None or not inc.channel_id or d.done("unarchive"):
            return
        now = self.notifier.clock()
        entry = d.load_entry(event.entry_id)
        reopener = entry.actor_id if entry is not None else None
        resp = self.slack.call("conversations.unarchive", channel=inc.channel_id, tolerate=UNARCHIVE_REFUSALS)
        d.mark("unarchive", str(resp.get("error") or "ok"))
        error = str(resp.get("error") or "")
        if resp.get("ok") or error == "not_archived":
            d.patch_incident(channel_archived_at=None)
            d.add_entry(NewEntry(UNARCHIVED, reopener, "Channel unarchived for the reopen", now))
            self._rejoin(inc.channel_id, inc.private)
            return
        log.warning("%s: Slack refused to unarchive %s: %s", inc.ref, inc.channel_id, error)
        d.add_entry(
            NewEntry(UNARCHIVE_REFUSED, reopener, f"Slack refused to unarchive the channel ({error})", now,
                     {"error": error})
        )
        if reopener:
            with self.notifier.best_effort(d, "told_reopener"):
                dm = self.slack.call("conversations.open", users=reopener, tolerate=("user_not_found",))
                if dm.get("ok"):
                    text, blocks = unarchive_refused(inc, error)
                    self.notifier.post(d, "told_reopener", str(dm["channel"]["id"]), blocks, text)

    def _rejoin(self, channel: str, private: bool) -> None:
        if private:
            return
        try:
            self.slack.call("conversations.join", channel=channel, tolerate=("already_in_channel", "method_not_supported_for_channel_type"))
        except SlackCallFailed as exc:  # the bot usually stays a member; posting will say if it did not
            log.info("could not rejoin %s after unarchiving: %s", channel, exc)
