"""JSON shapes the page reads: workspace state, a channel's messages, a thread, the open modal."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.emulator.models import Channel, Ephemeral, FileRecord, Join, Message, User
from bot.emulator.workspace import Workspace
from bot.playground.blockkit_html import RenderContext
from bot.playground.blockkit_views import render_home, render_message, render_modal
from bot.playground.files_html import files_html

JSON = dict[str, Any]

DEFAULT_CHANNEL = "incidents"
# The composer's hint: how to declare, or, inside an incident channel, what one does there.
DECLARE_HINT = "or /incident SEV1 payments down"
INCIDENT_HINT = "or /incident update … · ack · role ic @you · resolve … · help"
OnCallNow = Mapping[str, Sequence[str]]


def is_incident_channel(channel: Channel) -> bool:
    """An incident's channel, as the bot names it (``incident-2026-12-01-payments-down``)."""
    return not channel.is_im and re.match(r"^incident-\d{4}-\d{2}-\d{2}-", channel.name or "") is not None


def render_context(ws: Workspace) -> RenderContext:
    """Name lookups and select choices drawn from the workspace."""
    with ws.lock:
        users = [(u.id, u.name) for u in ws.users.values() if not u.is_bot and not u.deleted]
        channels = [(c.id, c.name) for c in ws.channels.values() if not c.is_im and not c.is_archived]

    def user_name(user_id: str) -> str | None:
        user = ws.user(user_id)
        return user.name if user else None

    def channel_name(channel_id: str) -> str | None:
        channel = ws.channel(channel_id)
        return channel.name if channel and not channel.is_im else None

    return RenderContext(user_name=user_name, channel_name=channel_name, users=users, channels=channels)


def humans(ws: Workspace) -> list[User]:
    """People one can act as, in the order they were added."""
    with ws.lock:
        return [u for u in ws.users.values() if not u.is_bot and not u.deleted]


def acting_user(ws: Workspace, requested: str | None) -> str:
    """The requested user when they exist, otherwise the first person of the workspace."""
    people = humans(ws)
    if requested and any(u.id == requested for u in people):
        return requested
    return people[0].id if people else ws.bot_user_id


def can_see(channel: Channel, viewer: str) -> bool:
    """Public channels are visible to all; private ones and DMs to their members."""
    if channel.is_im:
        return channel.im_user == viewer
    return not channel.is_private or viewer in channel.members


def _user_json(user: User, on_call: OnCallNow) -> JSON:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.real_name or user.name,
        "title": user.title,
        "is_bot": user.is_bot,
        "on_call": list(on_call.get(user.id) or ()),
    }


def on_call_by_user(ws: Workspace, on_call: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Schedule ids by the workspace user on call for them (playbooks name people by id or e-mail)."""
    found: dict[str, list[str]] = {}
    with ws.lock:
        users = [u for u in ws.users.values() if not u.deleted]
    for schedule_id, person in on_call.items():
        user = next((u for u in users if person and person in (u.id, u.email)), None)
        if user is not None:
            found.setdefault(user.id, []).append(schedule_id)
    return found


def _channel_json(ws: Workspace, channel: Channel, viewer: str) -> JSON:
    if channel.is_im:
        bot = ws.user(ws.bot_user_id)
        label = bot.real_name if bot else "App"
    else:
        label = channel.name
    return {
        "id": channel.id,
        "kind": "dm" if channel.is_im else "channel",
        "label": label,
        "is_private": channel.is_private and not channel.is_im,
        "is_archived": channel.is_archived,
        "is_member": viewer in channel.members,
        "topic": channel.topic,
        "created": channel.created,
    }


def state_json(ws: Workspace, viewer: str | None, on_call: OnCallNow | None = None) -> JSON:
    """Everything the sidebar and user switcher need, as seen by ``viewer``."""
    me = acting_user(ws, viewer)
    with ws.lock:
        channels = [c for c in ws.channels.values() if can_see(c, me)]
        default = ws.channel_by_name(DEFAULT_CHANNEL) or next((c for c in channels if not c.is_im), None)
        return {
            "team": {"id": ws.team_id, "name": ws.team_name},
            "me": me,
            "bot_user_id": ws.bot_user_id,
            "users": [_user_json(u, on_call or {}) for u in ws.users.values() if not u.deleted],
            "channels": [_channel_json(ws, c, me) for c in sorted(channels, key=lambda c: (c.is_im, c.name))],
            "default_channel": default.id if default else None,
            "warnings": ws.active_warnings(),
            "narration": ws.notes[-1] if ws.notes else None,
        }


def _message_json(
    ws: Workspace, ctx: RenderContext, message: Message | Ephemeral, reply_count: int, pinned: bool = False
) -> JSON:
    author = ws.user(message.user)
    is_ephemeral = isinstance(message, Ephemeral)
    is_bot = bool(author.is_bot) if author else bool(getattr(message, "bot_id", None))
    if is_ephemeral:
        # ``user`` of an ephemeral is its recipient; the app is the author.
        bot = ws.user(ws.bot_user_id)
        name = bot.real_name if bot else "App"
        author_id, is_bot = ws.bot_user_id, True
    else:
        name = (author.real_name or author.name) if author else message.user
        author_id = message.user
    body: JSON = {"text": message.text, "blocks": message.blocks}
    if isinstance(message, Message) and message.attachments:
        body["attachments"] = message.attachments
    return {
        "ts": message.ts,
        "channel": message.channel,
        "user": author_id,
        "user_name": name,
        "is_bot": is_bot,
        "html": render_message(body, ctx) + files_html(_files(ws, message)),
        "files": [f.id for f in _files(ws, message)],
        "thread_ts": message.thread_ts,
        "reply_count": reply_count,
        "edited": bool(isinstance(message, Message) and message.edits),
        "ephemeral": is_ephemeral,
        "pinned": pinned,
        "system": None,
    }


def _files(ws: Workspace, message: Message | Ephemeral) -> list[FileRecord]:
    ids = message.files if isinstance(message, Message) else []
    return [ws.files[i] for i in ids if i in ws.files]


def join_notice(ws: Workspace, channel: Channel, join: Join) -> str:
    """What Slack shows when someone joins: "joined #incident-…", and who added them when someone did."""
    text = f"joined #{channel.name}."
    inviter = ws.user(join.inviter) if join.inviter and join.inviter != join.user else None
    if inviter is not None:
        text += f" Added by {inviter.real_name or inviter.name}."
    return text


def _join_json(ws: Workspace, channel: Channel, join: Join) -> JSON:
    """A join as a system row of the channel, shaped like a message (no buttons, no thread)."""
    person = ws.user(join.user)
    return {
        "ts": join.ts,
        "channel": channel.id,
        "user": join.user,
        "user_name": (person.real_name or person.name) if person else join.user,
        "is_bot": bool(person and person.is_bot),
        "html": html.escape(join_notice(ws, channel, join)),
        "thread_ts": None,
        "reply_count": 0,
        "edited": False,
        "ephemeral": False,
        "pinned": False,
        "system": "channel_join",
    }


def channel_json(ws: Workspace, channel_id: str, viewer: str | None) -> JSON | None:
    """A channel's top-level messages, join notices and the viewer's ephemerals among them, oldest first."""
    me = acting_user(ws, viewer)
    ctx = render_context(ws)
    with ws.lock:
        channel = ws.channel(channel_id)
        if channel is None or not can_see(channel, me):
            return None
        history = list(ws.history.get(channel.id, []))
        replies: dict[str, int] = {}
        for m in history:
            if m.thread_ts and m.thread_ts != m.ts:
                replies[m.thread_ts] = replies.get(m.thread_ts, 0) + 1
        top = [m for m in history if not m.thread_ts or m.thread_ts == m.ts]
        ephemerals = [e for e in ws.ephemerals(me, channel.id) if not e.thread_ts]
        items: list[Message | Ephemeral] = sorted([*top, *ephemerals], key=lambda m: float(m.ts))
        pins = set(channel.pins)
        messages = [_message_json(ws, ctx, m, replies.get(m.ts, 0), m.ts in pins) for m in items]
        messages += [_join_json(ws, channel, j) for j in channel.joins]
        messages.sort(key=lambda m: float(m["ts"]))
        title = _channel_json(ws, channel, me)["label"]
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "title": title if channel.is_im else f"#{title}",
                "topic": channel.topic or channel.purpose,
                "is_archived": channel.is_archived,
                "composer_hint": INCIDENT_HINT if is_incident_channel(channel) else DECLARE_HINT,
            },
            "messages": messages,
        }


def thread_json(ws: Workspace, channel_id: str, ts: str, viewer: str | None) -> JSON | None:
    """A thread: the parent, its replies and the viewer's ephemerals in it, oldest first."""
    me = acting_user(ws, viewer)
    ctx = render_context(ws)
    with ws.lock:
        channel = ws.channel(channel_id)
        if channel is None or not can_see(channel, me):
            return None
        thread = ws.thread(channel.id, ts)
        ephemerals = [e for e in ws.ephemerals(me, channel.id) if e.thread_ts == ts]
        items: list[Message | Ephemeral] = sorted([*thread, *ephemerals], key=lambda m: float(m.ts))
        pins = set(channel.pins)
        return {"ok": True, "messages": [_message_json(ws, ctx, m, 0, m.ts in pins) for m in items]}


def modal_json(ws: Workspace, viewer: str | None) -> JSON:
    """The modal on top of the viewer's stack, rendered, with any field errors; ``view`` is None if none."""
    me = acting_user(ws, viewer)
    ctx = render_context(ws)
    with ws.lock:
        view = ws.open_view(me)
        if view is None:
            return {"ok": True, "view": None}
        body = {**view.body, "id": view.id}
        return {
            "ok": True,
            "view": {
                "id": view.id,
                "hash": view.hash,
                "callback_id": view.callback_id,
                "html": render_modal(body, ctx),
                "errors": dict(view.errors),
            },
        }


def home_json(ws: Workspace, viewer: str | None) -> JSON:
    """The app's Home tab as the viewer last had it published, rendered; ``view`` is None before the first."""
    me = acting_user(ws, viewer)
    ctx = render_context(ws)
    with ws.lock:
        view = ws.home_view(me)
        if view is None:
            return {"ok": True, "view": None}
        return {"ok": True, "view": {"id": view.id, "html": render_home({**view.body, "id": view.id}, ctx)}}
