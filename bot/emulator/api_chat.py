"""chat.* Web API methods: post, update, ephemeral, delete, permalink."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.emulator.args import Args, Handler, channel_arg, message_blocks, user_arg
from bot.emulator.errors import ApiError
from bot.emulator.models import JSON, Channel, Message

if TYPE_CHECKING:
    from bot.emulator.workspace import Workspace

POST_TEXT_MAX = 40_000
UPDATE_TEXT_MAX = 4_000


def writable_channel(ws: Workspace, args: Args) -> Channel:
    """The target channel of a post: must exist, be open, and have the bot as member."""
    channel = channel_arg(ws, args, dm_users=True)
    if channel.is_archived:
        raise ApiError("is_archived")
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel", warning=f"{args.method}: the bot is not a member of "
                       f"#{channel.name or channel.id}; invite it or call conversations.join first")
    return channel


def find_message(ws: Workspace, channel: Channel, ts: str | None) -> Message:
    """A message of the channel by ts, or `message_not_found`."""
    found = next((m for m in ws.history[channel.id] if m.ts == ts), None) if ts else None
    if found is None:
        raise ApiError("message_not_found")
    return found


def post_message(ws: Workspace, args: Args) -> JSON:
    """chat.postMessage."""
    channel = writable_channel(ws, args)
    blocks = message_blocks(ws, args)
    text = args.get("text", "") or ""
    attachments = args.decoded("attachments") or []
    if not text and not blocks and not attachments:
        raise ApiError("no_text", warning="chat.postMessage: no text, blocks or attachments; Slack "
                       "refuses an empty message")
    if len(text) > POST_TEXT_MAX:
        ws.warn(f"chat.postMessage: text is {len(text):,} characters; Slack truncates at 40,000")
        text = text[:POST_TEXT_MAX]
    thread_ts = args.get("thread_ts")
    if thread_ts:
        parent = next((m for m in ws.history[channel.id] if m.ts == thread_ts), None)
        if parent is None:
            ws.warn(f"chat.postMessage: thread_ts {thread_ts} is not a message in {channel.id}")
        elif parent.thread_ts and parent.thread_ts != parent.ts:
            thread_ts = parent.thread_ts
    message = ws.post_message(channel.id, ws.bot_user_id, text, blocks, thread_ts=thread_ts,
                              metadata=args.decoded("metadata"), attachments=attachments)
    return {"channel": channel.id, "ts": message.ts, "message": message.to_dict()}


def update(ws: Workspace, args: Args) -> JSON:
    """chat.update."""
    channel = channel_arg(ws, args)
    message = find_message(ws, channel, args.get("ts"))
    if message.user != ws.bot_user_id:
        raise ApiError("cant_update_message")
    text = args.get("text")
    if text is not None and len(text) > UPDATE_TEXT_MAX:
        raise ApiError("msg_too_long", warning=f"chat.update: text is {len(text):,} characters; "
                       f"Slack's limit is {UPDATE_TEXT_MAX:,}")
    blocks = message_blocks(ws, args)
    extra: JSON = {}
    if args.has("attachments"):
        extra["attachments"] = args.decoded("attachments") or []
    if args.has("metadata"):
        extra["metadata"] = args.decoded("metadata")
    ws.edit_message(message, text if text is not None or blocks is None else "", blocks, **extra)
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": message.to_dict()}


def post_ephemeral(ws: Workspace, args: Args) -> JSON:
    """chat.postEphemeral."""
    channel = writable_channel(ws, args)
    user_id = args.get("user")
    if user_id is not None and user_id not in ws.users:
        raise ApiError("user_not_found", warning=f"chat.postEphemeral: no user {user_id!r} in the workspace")
    user = user_arg(ws, args)
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    blocks = message_blocks(ws, args)
    text = args.get("text", "") or ""
    if not text and not blocks:
        raise ApiError("no_text", warning="chat.postEphemeral: no text or blocks; Slack refuses an "
                       "empty message")
    eph = ws.post_ephemeral(channel.id, user.id, text, blocks, args.get("thread_ts"))
    return {"message_ts": eph.ts}


def delete(ws: Workspace, args: Args) -> JSON:
    """chat.delete."""
    channel = channel_arg(ws, args)
    message = find_message(ws, channel, args.get("ts"))
    if message.user != ws.bot_user_id:
        raise ApiError("cant_delete_message")
    ws.delete_message(message)
    return {"channel": channel.id, "ts": message.ts}


def get_permalink(ws: Workspace, args: Args) -> JSON:
    """chat.getPermalink."""
    channel = channel_arg(ws, args)
    message = find_message(ws, channel, args.get("message_ts"))
    link = f"https://{ws.team_domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}
