"""Plain records held by the emulated workspace: users, channels, messages, views, files, calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class User:
    """A workspace member (person or bot)."""

    id: str
    name: str
    real_name: str = ""
    email: str = ""
    is_bot: bool = False
    title: str = ""
    tz: str = "Europe/London"
    deleted: bool = False

    def to_dict(self, team_id: str) -> JSON:
        """Render like `users.info`."""
        profile: JSON = {
            "real_name": self.real_name or self.name,
            "display_name": self.name,
            "title": self.title,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": self.tz,
            "profile": profile,
        }


@dataclass
class Usergroup:
    """A user group such as @leads."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)


@dataclass
class Channel:
    """A public or private channel, or a direct message (`is_im`)."""

    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    is_general: bool = False
    topic: str = ""
    purpose: str = ""
    members: list[str] = field(default_factory=list)
    im_user: str = ""
    pins: list[str] = field(default_factory=list)
    bookmarks: list[JSON] = field(default_factory=list)
    joins: list[Join] = field(default_factory=list)

    def to_dict(self, viewer: str) -> JSON:
        """Render like `conversations.info`, `is_member` as seen by `viewer`."""
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.im_user, "created": self.created,
                    "is_user_deleted": False, "is_open": True}
        info = {"value": self.topic, "creator": self.creator if self.topic else "", "last_set": 0}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "is_member": viewer in self.members,
            "created": self.created,
            "creator": self.creator,
            "topic": info,
            "purpose": {"value": self.purpose, "creator": self.creator if self.purpose else "",
                        "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass(frozen=True)
class Join:
    """Someone joining a channel after it was created (Slack shows "carol joined #channel")."""

    ts: str
    channel: str
    user: str
    inviter: str | None = None


@dataclass
class Message:
    """A message in a channel (top level or a thread reply)."""

    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    edits: list[JSON] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    metadata: JSON | None = None
    attachments: list[JSON] = field(default_factory=list)
    bot_id: str | None = None

    def to_dict(self, replies: list[Message] | None = None) -> JSON:
        """Render like `conversations.history`."""
        out: JSON = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if replies:
            out["thread_ts"] = self.ts
            out["reply_count"] = len(replies)
            out["latest_reply"] = replies[-1].ts
            out["reply_users"] = sorted({r.user for r in replies})
        if self.edits:
            out["edited"] = {"user": self.user, "ts": self.edits[-1]["edited_ts"]}
        if self.reactions:
            out["reactions"] = [{"name": n, "users": list(u), "count": len(u)}
                                for n, u in self.reactions.items()]
        if self.files:
            out["files"] = [{"id": f} for f in self.files]
        if self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass
class Ephemeral:
    """An ephemeral message only one user sees."""

    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    deleted: bool = False

    def to_dict(self) -> JSON:
        """Render like a message."""
        out: JSON = {"type": "message", "subtype": "ephemeral", "ts": self.ts, "channel": self.channel,
                     "user": self.user, "text": self.text, "blocks": self.blocks}
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        return out


@dataclass
class View:
    """A modal or Home tab as Slack keeps it."""

    id: str
    user: str
    body: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def callback_id(self) -> str:
        """The view's callback id."""
        return str(self.body.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        """The view's private metadata."""
        return str(self.body.get("private_metadata", ""))

    @property
    def type(self) -> str:
        """`modal` or `home`."""
        return str(self.body.get("type", "modal"))

    def to_dict(self, team_id: str, bot_id: str, state: JSON | None = None) -> JSON:
        """Render like the `view` object in API responses and payloads."""
        out: JSON = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": self.body.get("blocks", []),
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": state if state is not None else {"values": {}},
            "hash": self.hash,
            "clear_on_close": bool(self.body.get("clear_on_close", False)),
            "notify_on_close": bool(self.body.get("notify_on_close", False)),
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": "AEMULATOR",
            "external_id": self.external_id,
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in self.body:
                out[key] = self.body[key]
        return out


@dataclass
class FileRecord:
    """An uploaded file."""

    id: str
    name: str
    title: str = ""
    content: bytes = b""
    length: int = 0
    channels: list[str] = field(default_factory=list)
    completed: bool = False

    def to_dict(self) -> JSON:
        """Render like `files.info`."""
        return {"id": self.id, "name": self.name, "title": self.title or self.name,
                "size": len(self.content), "channels": list(self.channels)}


@dataclass
class ResponseUrl:
    """A response_url handed to the bot with a command or an interaction."""

    id: str
    user: str
    channel: str
    created: float
    message_ts: str | None = None
    is_ephemeral: bool = False
    uses: int = 0


@dataclass
class Trigger:
    """A trigger_id: valid for 3 s, once."""

    id: str
    user: str
    created: float
    used: bool = False


@dataclass
class Call:
    """One Web API call as the emulator saw it."""

    method: str
    args: JSON
    ok: bool
    error: str | None
    time: float
    status: int = 200


@dataclass
class Fault:
    """A failure injected for the next calls to one method."""

    method: str
    error: str
    http_status: int
    retry_after: int
    times: int
    html: bool = False
