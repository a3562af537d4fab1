"""pins.*, bookmarks.* and reactions.* Web API methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.emulator.api_chat import find_message
from bot.emulator.args import Args, Handler, channel_arg
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace


def pins_add(ws: Workspace, args: Args) -> JSON:
    """pins.add."""
    channel = channel_arg(ws, args)
    message = find_message(ws, channel, args.get("timestamp"))
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    with ws.lock:
        if message.ts in channel.pins:
            raise ApiError("already_pinned")
        channel.pins.append(message.ts)
        ws.emit("pin_added", channel=channel.id, ts=message.ts)
    return {}


def pins_remove(ws: Workspace, args: Args) -> JSON:
    """pins.remove."""
    channel = channel_arg(ws, args)
    message = find_message(ws, channel, args.get("timestamp"))
    with ws.lock:
        if message.ts not in channel.pins:
            raise ApiError("not_pinned")
        channel.pins.remove(message.ts)
        ws.emit("pin_removed", channel=channel.id, ts=message.ts)
    return {}


def pins_list(ws: Workspace, args: Args) -> JSON:
    """pins.list."""
    channel = channel_arg(ws, args)
    items = [{"type": "message", "channel": channel.id, "message": m.to_dict()} for m in ws.pins(channel.id)]
    return {"items": items}


def bookmarks_add(ws: Workspace, args: Args) -> JSON:
    """bookmarks.add (type=link)."""
    channel = channel_arg(ws, args, "channel_id")
    title = args.require("title")
    kind = args.require("type")
    if kind != "link":
        raise ApiError("invalid_arguments", warning=f"bookmarks.add: type {kind!r}; only 'link' is supported")
    link = args.require("link")
    with ws.lock:
        bookmark: JSON = {"id": ws.new_id("Bk"), "channel_id": channel.id, "title": title, "link": link,
                          "emoji": args.get("emoji"), "type": "link", "date_created": int(ws.now())}
        channel.bookmarks.append(bookmark)
        ws.emit("bookmark_added", channel=channel.id, bookmark=bookmark)
    return {"bookmark": bookmark}


def bookmarks_list(ws: Workspace, args: Args) -> JSON:
    """bookmarks.list."""
    return {"bookmarks": list(channel_arg(ws, args, "channel_id").bookmarks)}


def reactions_add(ws: Workspace, args: Args) -> JSON:
    """reactions.add."""
    channel = channel_arg(ws, args)
    message = find_message(ws, channel, args.get("timestamp"))
    name = args.require("name", error="invalid_name").strip(":")
    with ws.lock:
        users = message.reactions.setdefault(name, [])
        if ws.bot_user_id in users:
            raise ApiError("already_reacted")
        users.append(ws.bot_user_id)
        ws.emit("reaction_added", channel=channel.id, ts=message.ts, name=name, user=ws.bot_user_id)
    return {}


METHODS: dict[str, Handler] = {
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "bookmarks.add": bookmarks_add,
    "bookmarks.list": bookmarks_list,
    "reactions.add": reactions_add,
}
