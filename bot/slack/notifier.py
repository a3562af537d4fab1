"""Shows incident events in Slack: one method per event, each step idempotent and resumable.

Over 300 lines because it is one handler per outbox event kind, each short, sharing the channel, card and
idempotent-post helpers at the top.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import requests
from slack_sdk.models.blocks import Block

from bot.domain.delivery_notice import describe, notice_target
from bot.domain.events import (
    DeliveryFailed,
    IncidentAcknowledged,
    IncidentDeclared,
    IncidentReopened,
    IncidentResolved,
    IncidentUpdated,
    NoteAdded,
    RoleAssigned,
    SeverityChanged,
    SlackPost,
    SummaryRequested,
)
from bot.domain.naming import channel_name_for
from bot.domain.roles import COMMANDER
from bot.playbooks.checklists import Checklists
from bot.services.outbox import Delivery, GiveUp, RetryLater
from bot.services.read_models import EntryView, IncidentView
from bot.slack.blocks import broadcast, card, messages, summary
from bot.slack.blocks.common import MESSAGE_TEXT, cut
from bot.slack.gateway import SlackCallFailed, SlackGateway

log = logging.getLogger(__name__)
MAX_NAME_ATTEMPTS = 50


def _dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


class SlackNotifier:
    """One method per incident event on the Slack Web API; the outbox table (``OutboxRoutes``) calls them."""

    def __init__(
        self,
        gateway: SlackGateway,
        clock: Callable[[], datetime],
        checklists: Callable[[], Checklists] = Checklists,
    ) -> None:
        self.slack = gateway
        self.clock = clock
        self.checklists = checklists

    # -- helpers -------------------------------------------------------------------------------
    @contextmanager
    def best_effort(self, d: Delivery, step: str) -> Iterator[None]:
        """A secondary step: if Slack refuses it for good, record why and go on with the rest.

        Transient failures (rate limits, 5xx, timeouts) still raise ``RetryLater`` so the whole delivery is
        retried; only an error retrying cannot fix (``channel_not_found``, ``not_in_channel``…) is skipped,
        so one broken step never costs the steps after it.
        """
        try:
            yield
        except SlackCallFailed as exc:
            log.warning("%s: step %s skipped: %s", d.kind, step, exc)
            d.mark(f"failed:{step}", exc.error)

    def post(
        self,
        d: Delivery,
        step: str,
        channel: str,
        blocks: Sequence[Block],
        text: str,
        thread_ts: str | None = None,
        entry: EntryView | None = None,
    ) -> str | None:
        """Post once per ``step``; remembers the ts so a retry does not post twice."""
        if d.done(step):
            return str(d.progress[step]) if isinstance(d.progress[step], str) else None
        resp = self.slack.call(
            "chat.postMessage",
            channel=channel,
            blocks=_dicts(blocks),
            text=cut(text, MESSAGE_TEXT),
            thread_ts=thread_ts,
            unfurl_links=False,
        )
        ts = str(resp.get("ts", ""))
        d.mark(step, ts or True)
        if entry is not None and ts and thread_ts is None:
            d.patch_entry(entry.id, channel_ts=ts, permalink=self.slack.permalink(channel, ts))
        return ts or None

    def _incident(self, d: Delivery) -> IncidentView:
        if d.incident is None:
            raise GiveUp("incident is gone")
        return d.incident

    def _entry(self, d: Delivery, entry_id: int) -> EntryView:
        entry = d.load_entry(entry_id)
        if entry is None:
            raise GiveUp("timeline entry is gone")
        return entry

    def channel_or_none(self, d: Delivery) -> str | None:
        inc = self._incident(d)
        channel = d.incident_patch.get("channel_id") or inc.channel_id
        return str(channel) if channel else None

    def channel(self, d: Delivery) -> str:
        channel = self.channel_or_none(d)
        if not channel:
            # Messages are delivered in order per incident, so the declaration is done or dead by now:
            # the channel could not be created. Keep retrying, with backoff, in case it is fixed by hand.
            raise RetryLater("incident channel not created yet")
        return channel

    def refresh_card(self, d: Delivery, topic: bool = False) -> None:
        inc = self._current(d)
        if inc.card_ts and inc.channel_id and not d.done("card_refreshed"):
            with self.best_effort(d, "card_refreshed"):
                self.slack.call(
                    "chat.update",
                    channel=inc.channel_id,
                    ts=inc.card_ts,
                    blocks=_dicts(card.incident_card(inc, self.clock())),
                    text=card.card_fallback_text(inc),
                )
            d.mark("card_refreshed")
        if topic and inc.channel_id and not d.done("topic"):
            with self.best_effort(d, "topic"):
                topic_text = card.topic_for(inc, self.slack.person_name)
                self.slack.call("conversations.setTopic", channel=inc.channel_id, topic=topic_text)
            d.mark("topic")
        self.refresh_broadcast(d)

    def refresh_broadcast(self, d: Delivery) -> None:
        """Bring the declaration in the broadcast channel up to date, unless it already shows this state.

        Every delivery renders the incident as stored when it runs, so a burst of changes committed before
        the first of their deliveries is shown by one edit; the later ones find the same digest and skip.
        A private incident's broadcast never carries details, so it is left as it is.
        """
        inc = self._current(d)
        if inc.private or not inc.broadcast_ts or not inc.broadcast_channel_id or d.done("broadcast_refreshed"):
            return
        blocks, text = broadcast.broadcast_message(inc), broadcast.broadcast_text(inc)
        digest = broadcast.digest(blocks, text)
        if digest != inc.broadcast_digest:
            with self.best_effort(d, "broadcast_refreshed"):
                self.slack.call(
                    "chat.update",
                    channel=inc.broadcast_channel_id,
                    ts=inc.broadcast_ts,
                    blocks=_dicts(blocks),
                    text=cut(text, MESSAGE_TEXT),
                )
                d.patch_incident(broadcast_digest=digest)
        d.mark("broadcast_refreshed")

    def current(self, d: Delivery) -> IncidentView:
        """The incident as this delivery has changed it so far (its patches applied)."""
        return self._current(d)

    def _current(self, d: Delivery) -> IncidentView:
        inc = self._incident(d)
        if d.incident_patch:
            inc = replace(inc, **{k: v for k, v in d.incident_patch.items() if hasattr(inc, k)})
        return inc

    def invite(self, channel: str, users: Sequence[str]) -> None:
        bot = self.slack.bot_user_id()
        wanted = [u for u in dict.fromkeys(users) if u and u != bot]
        if not wanted:
            return
        resp = self.slack.call(
            "conversations.invite",
            channel=channel,
            users=",".join(wanted),
            force=True,
            tolerate=("already_in_channel", "cant_invite_self", "user_not_found", "user_is_restricted"),
        )
        if not resp.get("ok"):
            log.warning("invite to %s partly failed: %s", channel, resp.get("errors") or resp.get("error"))

    def broadcast(
        self, d: Delivery, inc: IncidentView, blocks: Sequence[Block], text: str, *, also_post: bool
    ) -> None:
        """A thread reply under the declaration, plus a channel post for the most severe levels."""
        if inc.private or not inc.broadcast_ts or not inc.broadcast_channel_id:
            return
        with self.best_effort(d, "broadcast_thread"):
            self.post(d, "broadcast_thread", inc.broadcast_channel_id, blocks, text, thread_ts=inc.broadcast_ts)
        if also_post and inc.severity.broadcast_post:
            with self.best_effort(d, "broadcast_post"):
                self.post(d, "broadcast_post", inc.broadcast_channel_id, blocks, text)

    # -- events --------------------------------------------------------------------------------
    def declared(self, d: Delivery, event: IncidentDeclared) -> None:
        inc = self._incident(d)
        if not inc.channel_id and not d.done("channel"):
            try:
                channel_id, name = self._create_channel(inc)
            except SlackCallFailed as exc:
                self._tell_reporter(
                    d,
                    event,
                    inc,
                    f":x: *{inc.ref}* is recorded, but Slack refused to create its channel "
                    f"(`{exc.error}`). Ask a workspace admin to allow the bot to create channels; "
                    "updates will reach the channel once it exists.",
                )
                raise GiveUp(str(exc), exc.error) from exc
            d.patch_incident(channel_id=channel_id, channel_name=name)
            d.mark("channel")
        inc = self._current(d)
        channel = str(inc.channel_id)
        if not d.done("purpose"):
            with self.best_effort(d, "purpose"):
                self.slack.call("conversations.setPurpose", channel=channel, purpose=card.purpose_for(inc))
                topic_text = card.topic_for(inc, self.slack.person_name)
                self.slack.call("conversations.setTopic", channel=channel, topic=topic_text)
            d.mark("purpose")
        if not d.done("invite"):
            with self.best_effort(d, "invite"):
                self.invite(channel, inc.people)
            d.mark("invite")
        if not inc.card_ts and not d.done("failed:card"):
            with self.best_effort(d, "card"):
                ts = self.post(
                    d, "card", channel, card.incident_card(inc, self.clock()), card.card_fallback_text(inc)
                )
                d.patch_incident(card_ts=ts)
                self._link_declared_entry(d, event, channel, ts)
            inc = self._current(d)
        if not d.done("pin") and inc.card_ts:
            with self.best_effort(d, "pin"):
                self.slack.call(
                    "pins.add", channel=channel, timestamp=inc.card_ts, tolerate=("already_pinned",)
                )
            d.mark("pin")
        # The reporter's link first: the broadcast channel is a courtesy to others.
        self._tell_reporter(
            d, event, inc, f":rotating_light: *{inc.ref}* declared: <#{inc.channel_id}>. The card is pinned there."
        )
        # A private incident is announced without title, channel or people; nothing follows it there.
        if not inc.broadcast_ts and not d.done("failed:broadcast"):
            with self.best_effort(d, "broadcast"):
                broadcast_id = self.slack.broadcast_channel_id()
                blocks, text = broadcast.broadcast_message(inc), broadcast.broadcast_text(inc)
                ts = self.post(d, "broadcast", broadcast_id, blocks, text)
                d.patch_incident(
                    broadcast_channel_id=broadcast_id,
                    broadcast_ts=ts,
                    broadcast_digest=broadcast.digest(blocks, text),
                )

    def _link_declared_entry(self, d: Delivery, event: IncidentDeclared, channel: str, ts: str | None) -> None:
        """The declaration's timeline row points at the pinned card."""
        if ts:
            d.patch_entry(event.entry_id, channel_ts=ts, permalink=self.slack.permalink(channel, ts))

    def _create_channel(self, inc: IncidentView) -> tuple[str, str]:
        day = inc.declared_at.date()
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = channel_name_for(inc.title, day, attempt)
            resp = self.slack.call(
                "conversations.create", name=name, is_private=inc.private, tolerate=("name_taken",)
            )
            if resp.get("ok"):
                return str(resp["channel"]["id"]), str(resp["channel"]["name"])
        raise GiveUp(f"no free channel name after {MAX_NAME_ATTEMPTS} attempts")

    def _tell_reporter(self, d: Delivery, event: IncidentDeclared, inc: IncidentView, text: str) -> None:
        if d.done("told_reporter"):
            return
        notify = event.notify
        url = notify.get("response_url")
        if url:
            try:
                requests.post(url, json={"response_type": "ephemeral", "text": text}, timeout=5)
            except requests.RequestException as exc:  # the channel exists either way; the link is a courtesy
                log.info("response_url unreachable: %s", exc)
        elif notify.get("channel_id") and notify["channel_id"] != inc.channel_id:
            self.slack.call(
                "chat.postEphemeral",
                channel=notify["channel_id"],
                user=inc.reporter_id,
                text=text,
                tolerate=("user_not_in_channel", "channel_not_found", "not_in_channel"),
            )
        d.mark("told_reporter")

    def role_assigned(self, d: Delivery, event: RoleAssigned) -> None:
        inc = self._incident(d)
        entry = self._entry(d, event.entry_id)
        channel = self.channel(d)
        user, previous = event.user, event.previous
        role = inc.role_catalog.get(event.role)
        if not d.done("invite"):
            self.invite(channel, [user])
            d.mark("invite")
        self.post(
            d,
            "message",
            channel,
            messages.role_message(inc, role, user, previous, entry.actor_id),
            f"<@{user}> is now {role.name}",
            entry=entry,
        )
        if not d.done("checklist") and user != self.slack.bot_user_id():
            dm = self.slack.call(
                "conversations.open", users=user, tolerate=("user_not_found", "cannot_dm_bot")
            )
            if dm.get("ok"):
                self.post(
                    d,
                    "checklist",
                    str(dm["channel"]["id"]),
                    messages.role_checklist(
                        inc, role, self.checklists().incident_commander if role.id == COMMANDER else ()
                    ),
                    f"You are {role.name} for {inc.ref}",
                )
            d.mark("checklist")
        self.refresh_card(d, topic=role.id == "ic")

    def updated(self, d: Delivery, event: IncidentUpdated) -> None:
        inc = self._incident(d)
        entry = self._entry(d, event.entry_id)
        channel = self.channel(d)
        self.post(
            d, "message", channel, messages.update_message(inc, entry), f"Update: {entry.text}", entry=entry
        )
        self.refresh_card(d, topic=entry.data.get("status") != entry.data.get("previous_status"))
        self.broadcast(
            d, inc, messages.broadcast_update(inc, entry), f"{inc.ref} update: {entry.text}", also_post=True
        )

    def severity_changed(self, d: Delivery, event: SeverityChanged) -> None:
        inc = self._incident(d)
        entry = self._entry(d, event.entry_id)
        channel = self.channel(d)
        self.post(
            d,
            "message",
            channel,
            messages.severity_message(inc, entry),
            f"Severity is now {inc.severity.id}",
            entry=entry,
        )
        self.refresh_card(d, topic=True)
        self.broadcast(
            d,
            inc,
            messages.severity_message(inc, entry),
            f"{inc.ref} severity is now {inc.severity.id}",
            also_post=True,
        )

    def note_added(self, d: Delivery, event: NoteAdded) -> None:
        entry = self._entry(d, event.entry_id)
        self.post(
            d, "message", self.channel(d), messages.note_message(entry), f"Note: {entry.text}", entry=entry
        )

    def acknowledged(self, d: Delivery, event: IncidentAcknowledged) -> None:
        inc = self._incident(d)
        entry = self._entry(d, event.entry_id)
        self.post(d, "message", self.channel(d), messages.ack_message(inc), "Acknowledged", entry=entry)
        self.refresh_card(d)

    def resolved(self, d: Delivery, event: IncidentResolved) -> None:
        inc = self._incident(d)
        entry = self._entry(d, event.entry_id)
        channel = self.channel(d)
        now = self.clock()
        self.post(
            d,
            "message",
            channel,
            messages.resolution_notice(
                inc, now, self.checklists().resolution, self.checklists().post_incident
            ),
            f"Resolved: {inc.resolution_summary}",
            entry=entry,
        )
        self.refresh_card(d, topic=True)
        self.broadcast(d, inc, messages.broadcast_resolution(inc, now), f"{inc.ref} resolved", also_post=True)

    def reopened(self, d: Delivery, event: IncidentReopened) -> None:
        inc = self._incident(d)
        entry = self._entry(d, event.entry_id)
        if self.current(d).channel_archived_at is None:  # still archived: Slack refused, the reopener is told
            self.post(
                d, "message", self.channel(d), messages.reopen_message(inc, entry), "Reopened", entry=entry
            )
        self.refresh_card(d, topic=True)
        self.broadcast(d, inc, messages.reopen_message(inc, entry), f"{inc.ref} reopened", also_post=True)

    def summary(self, d: Delivery, event: SummaryRequested) -> None:
        """Post the summary, or edit the one posted before (its ts is kept) and point the asker at it."""
        inc = self._current(d)
        channel = self.channel(d)
        blocks = summary.summary_message(inc, d.load_entries(), self.clock(), d.load_followups())
        text = summary.summary_text(inc)
        if inc.summary_ts and not d.done("message"):
            resp = self.slack.call(
                "chat.update",
                channel=channel,
                ts=inc.summary_ts,
                blocks=_dicts(blocks),
                text=cut(text, MESSAGE_TEXT),
                tolerate=("message_not_found", "cant_update_message"),
            )
            if resp.get("ok"):
                d.mark("message", inc.summary_ts)
                self._point_to_summary(d, event, channel, inc.summary_ts)
                return
        ts = self.post(d, "message", channel, blocks, text)
        if ts and ts != inc.summary_ts:
            d.patch_incident(summary_ts=ts)

    def _point_to_summary(self, d: Delivery, event: SummaryRequested, channel: str, ts: str) -> None:
        if not event.actor or d.done("pointed"):
            return
        link = self.slack.permalink(channel, ts)
        where = f"<{link}|the summary message>" if link else "the summary message above"
        with self.best_effort(d, "pointed"):
            self.slack.call(
                "chat.postEphemeral",
                channel=channel,
                user=event.actor,
                text=f":arrows_counterclockwise: Brought {where} up to date.",
                tolerate=("user_not_in_channel",),
            )
        d.mark("pointed")

    def generic_post(self, d: Delivery, event: SlackPost) -> None:
        """A prepared message (used by other features)."""
        if d.done("message"):
            return
        resp = self.slack.call(
            "chat.postMessage",
            channel=event.channel,
            blocks=event.blocks,
            text=event.text,
            thread_ts=event.thread_ts,
        )
        d.mark("message", str(resp.get("ts", "")) or True)

    def delivery_failed(self, d: Delivery, event: DeliveryFailed) -> None:
        """Tell the IC by DM (else the channel, else the reporter by DM) that a message was given up."""
        if d.done("notice"):
            return
        inc = self._incident(d)
        target = notice_target(
            inc.commander_id, inc.reporter_id, self.channel_or_none(d), event.channel, event.code
        )
        channel = target.to
        if target.how == "dm":
            channel = str(self.slack.call("conversations.open", users=target.to)["channel"]["id"])
        what = describe(event.failed_kind)
        self.post(
            d,
            "notice",
            channel,
            messages.delivery_failed_notice(inc, what, event.error, event.message_id),
            messages.delivery_failed_text(inc, what, event.error),
        )
