"""conversations.* Web API methods: create, invite, join, topic, purpose, archive, info, list, history."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.emulator.args import Args, Handler, channel_arg
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON, Channel, Message

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace

NAME_RE = re.compile(r"^[a-z0-9_-]+$")
NAME_MAX = 80
TOPIC_MAX = 250


def _info(ws: Workspace, channel: Channel) -> JSON:
    return channel.to_dict(ws.bot_user_id)


def _member_channel(ws: Workspace, args: Args, name: str = "channel") -> Channel:
    channel = channel_arg(ws, args, name)
    if channel.is_archived:
        raise ApiError("is_archived")
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel", warning=f"{args.method}: the bot is not a member of "
                       f"#{channel.name or channel.id}")
    return channel


def create(ws: Workspace, args: Args) -> JSON:
    """conversations.create."""
    name = args.get("name", "") or ""
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > NAME_MAX:
        raise ApiError("invalid_name_maxlength",
                       warning=f"conversations.create: name is {len(name)} characters; Slack's limit is 80")
    if not NAME_RE.match(name):
        raise ApiError("invalid_name_specials", warning=f"conversations.create: {name!r} may only have "
                       "lowercase letters, digits, '-' and '_'")
    if ws.channel_by_name(name) is not None:
        raise ApiError("name_taken")
    channel = ws.create_channel(name, creator=ws.bot_user_id, is_private=args.flag("is_private"))
    return {"channel": _info(ws, channel)}


def invite(ws: Workspace, args: Args) -> JSON:
    """conversations.invite: all or nothing unless `force=true`, with per-user `errors`."""
    channel = _member_channel(ws, args)
    users = args.items("users")
    if not users:
        raise ApiError("no_user")
    errors: list[JSON] = []
    valid: list[str] = []
    for user_id in users:
        if user_id == ws.bot_user_id:
            code = "cant_invite_self"
        elif user_id not in ws.users:
            code = "user_not_found"
        elif user_id in channel.members:
            code = "already_in_channel"
        else:
            valid.append(user_id)
            continue
        errors.append({"user": user_id, "ok": False, "error": code})
    unknown = [e["user"] for e in errors if e["error"] == "user_not_found"]
    if unknown:
        ws.warn(f"conversations.invite: no user {', '.join(map(repr, unknown))} in the workspace",
                method=args.method, error="user_not_found")
    if errors and not (args.flag("force") and valid):
        raise ApiError(errors[0]["error"], errors=errors)
    for user_id in valid:
        ws.join(channel.id, user_id, inviter=ws.bot_user_id)
    out: JSON = {"channel": _info(ws, channel)}
    if errors:
        out["errors"] = errors
    return out


def join(ws: Workspace, args: Args) -> JSON:
    """conversations.join (public channels only)."""
    channel = channel_arg(ws, args)
    if channel.is_archived:
        raise ApiError("is_archived")
    if channel.is_private or channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    already = ws.bot_user_id in channel.members
    ws.join(channel.id, ws.bot_user_id)
    out: JSON = {"channel": _info(ws, channel)}
    if already:
        out["warning"] = "already_in_channel"
    return out


def _set_text(ws: Workspace, args: Args, field: str) -> JSON:
    channel = _member_channel(ws, args)
    value = args.get(field, "") or ""
    if len(value) > TOPIC_MAX:
        raise ApiError("too_long", warning=f"{args.method}: {field} is {len(value)} characters; "
                       f"Slack's limit is {TOPIC_MAX}")
    ws.update_channel(channel.id, **{field: value})
    return {"channel": _info(ws, channel)}


def set_topic(ws: Workspace, args: Args) -> JSON:
    """conversations.setTopic: `topic` is required (Slack answers invalid_arguments without it)."""
    args.require("topic")
    return _set_text(ws, args, "topic")


def set_purpose(ws: Workspace, args: Args) -> JSON:
    """conversations.setPurpose."""
    return _set_text(ws, args, "purpose")


def archive(ws: Workspace, args: Args) -> JSON:
    """conversations.archive."""
    channel = channel_arg(ws, args)
    if channel.is_archived:
        raise ApiError("already_archived")
    if channel.is_general:
        raise ApiError("cant_archive_general")
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    ws.update_channel(channel.id, is_archived=True)
    return {}


def unarchive(ws: Workspace, args: Args) -> JSON:
    """conversations.unarchive."""
    channel = channel_arg(ws, args)
    if not channel.is_archived:
        raise ApiError("not_archived")
    ws.update_channel(channel.id, is_archived=False)
    return {}


def info(ws: Workspace, args: Args) -> JSON:
    """conversations.info."""
    return {"channel": _info(ws, channel_arg(ws, args))}


def _page(items: list[JSON], args: Args, default_limit: int = 100) -> tuple[list[JSON], str]:
    limit = max(1, min(args.number("limit", default_limit), 1000))
    cursor = args.get("cursor", "") or ""
    start = int(cursor.removeprefix("next:")) if cursor.startswith("next:") else 0
    page = items[start:start + limit]
    next_cursor = f"next:{start + limit}" if start + limit < len(items) else ""
    return page, next_cursor


def list_(ws: Workspace, args: Args) -> JSON:
    """conversations.list with types, exclude_archived and cursor pagination."""
    types = set(args.items("types") or ["public_channel"])
    chosen = []
    for channel in ws.channels.values():
        kind = "im" if channel.is_im else "private_channel" if channel.is_private else "public_channel"
        if kind not in types or (args.flag("exclude_archived") and channel.is_archived):
            continue
        if kind != "public_channel" and ws.bot_user_id not in channel.members:
            continue
        chosen.append(_info(ws, channel))
    page, cursor = _page(chosen, args)
    return {"channels": page, "response_metadata": {"next_cursor": cursor}}


def members(ws: Workspace, args: Args) -> JSON:
    """conversations.members."""
    channel = channel_arg(ws, args)
    page, cursor = _page([{"id": m} for m in channel.members], args)
    return {"members": [m["id"] for m in page], "response_metadata": {"next_cursor": cursor}}


def open_(ws: Workspace, args: Args) -> JSON:
    """conversations.open: a DM with one user."""
    if args.has("channel"):
        return {"channel": {"id": channel_arg(ws, args).id}}
    users = args.items("users")
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > 1:
        raise ApiError("not_supported", warning="conversations.open: group DMs are not emulated")
    if users[0] not in ws.users:
        raise ApiError("user_not_found")
    channel = ws.open_dm(users[0])
    full = args.flag("return_im")
    return {"channel": _info(ws, channel) if full else {"id": channel.id}}


def _window(args: Args, found: list[Message]) -> list[Message]:
    oldest = float(args.get("oldest", "0") or 0)
    latest = float(args.get("latest", "0") or 0) or float("inf")
    return [m for m in found if oldest <= float(m.ts) <= latest]


def _render(ws: Workspace, channel: Channel, message: Message) -> JSON:
    replies = [m for m in ws.history[channel.id] if m.thread_ts == message.ts and m.ts != message.ts]
    return message.to_dict(replies)


def history(ws: Workspace, args: Args) -> JSON:
    """conversations.history: top-level messages, newest first."""
    channel = channel_arg(ws, args)
    top = [m for m in ws.history[channel.id] if not m.thread_ts or m.thread_ts == m.ts]
    chosen = _window(args, top)
    page, cursor = _page([_render(ws, channel, m) for m in reversed(chosen)], args)
    return {"messages": page, "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}


def replies(ws: Workspace, args: Args) -> JSON:
    """conversations.replies: the parent then its replies, oldest first."""
    channel = channel_arg(ws, args)
    ts = args.require("ts", error="thread_not_found")
    thread = [m for m in ws.history[channel.id] if m.ts == ts or m.thread_ts == ts]
    if not thread:
        raise ApiError("thread_not_found")
    page, cursor = _page([_render(ws, channel, m) if m.ts == ts else m.to_dict() for m in thread], args)
    return {"messages": page, "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}


METHODS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
    "conversations.info": info,
    "conversations.list": list_,
    "conversations.members": members,
    "conversations.open": open_,
    "conversations.history": history,
    "conversations.replies": replies,
}
