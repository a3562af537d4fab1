"""Read-only helpers over the workspace state, for tests, the API and the playground."""

from __future__ import annotations

import threading

from bot.emulator.models import JSON, Call, Channel, Ephemeral, FileRecord, Message, User, View


class WorkspaceQueries:
    """Lookups; all take the workspace lock and return live records (copy before mutating)."""

    lock: threading.RLock
    team_id: str
    bot_user_id: str
    bot_id: str
    users: dict[str, User]
    channels: dict[str, Channel]
    history: dict[str, list[Message]]
    ephemeral: list[Ephemeral]
    views: dict[str, View]
    view_stacks: dict[str, list[str]]
    home_views: dict[str, str]
    files: dict[str, FileRecord]
    calls: list[Call]

    def channel(self, channel_id: str) -> Channel | None:
        """A channel or DM by id."""
        with self.lock:
            return self.channels.get(channel_id)

    def channel_by_name(self, name: str) -> Channel | None:
        """A channel by name (with or without `#`)."""
        name = name.lstrip("#")
        with self.lock:
            for channel in self.channels.values():
                if not channel.is_im and channel.name == name:
                    return channel
            return None

    def resolve_channel(self, ref: str) -> Channel | None:
        """A channel by id, name or `#name`; a user id gives that user's DM if it exists."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            if ref in self.users:
                for channel in self.channels.values():
                    if channel.is_im and channel.im_user == ref:
                        return channel
                return None
            return self.channel_by_name(ref)

    def get_channel(self, ref: str) -> Channel:
        """A channel by id, name or `#name`; KeyError when there is none."""
        channel = self.resolve_channel(ref)
        if channel is None:
            raise KeyError(f"no channel {ref!r}")
        return channel

    def channel_id(self, ref: str) -> str:
        """The id of a channel given by name or id; KeyError when there is none."""
        return self.get_channel(ref).id

    def user(self, user_id: str) -> User | None:
        """A user by id."""
        with self.lock:
            return self.users.get(user_id)

    def user_by_name(self, name: str) -> User | None:
        """A user by handle (with or without `@`)."""
        name = name.lstrip("@")
        with self.lock:
            return next((u for u in self.users.values() if u.name == name), None)

    def messages(self, channel: str, include_threads: bool = False) -> list[Message]:
        """Messages of a channel (id or name), oldest first; thread replies only when asked."""
        with self.lock:
            found = self.history[self.get_channel(channel).id]
            return [m for m in found if include_threads or not m.thread_ts or m.thread_ts == m.ts]

    def message(self, channel: str, ts: str) -> Message | None:
        """One message by channel and ts."""
        with self.lock:
            return next((m for m in self.history[self.get_channel(channel).id] if m.ts == ts), None)

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The parent message then its replies, oldest first."""
        with self.lock:
            found = self.history[self.get_channel(channel).id]
            return [m for m in found if m.ts == ts or m.thread_ts == ts]

    def replies(self, channel: str, ts: str) -> list[Message]:
        """Only the replies of a thread."""
        return [m for m in self.thread(channel, ts) if m.ts != ts]

    def pins(self, channel: str) -> list[Message]:
        """Pinned messages of a channel, in pin order."""
        with self.lock:
            ch = self.get_channel(channel)
            by_ts = {m.ts: m for m in self.history[ch.id]}
            return [by_ts[ts] for ts in ch.pins if ts in by_ts]

    def bookmarks(self, channel: str) -> list[JSON]:
        """Bookmarks of a channel."""
        with self.lock:
            return list(self.get_channel(channel).bookmarks)

    def ephemerals(self, user_id: str, channel: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages shown to a user (optionally in one channel), oldest first."""
        with self.lock:
            channel_id = self.get_channel(channel).id if channel else None
            return [e for e in self.ephemeral if e.user == user_id and not e.deleted
                    and (channel_id is None or e.channel == channel_id)]

    def open_view(self, user_id: str) -> View | None:
        """The modal the user currently sees (top of the stack), if any."""
        with self.lock:
            stack = self.view_stacks.get(user_id) or []
            return self.views[stack[-1]] if stack else None

    def view_stack(self, user_id: str) -> list[View]:
        """The user's modal stack, bottom first."""
        with self.lock:
            return [self.views[v] for v in self.view_stacks.get(user_id, [])]

    def home_view(self, user_id: str) -> View | None:
        """The user's published Home tab, if any."""
        with self.lock:
            view_id = self.home_views.get(user_id)
            return self.views[view_id] if view_id else None

    def dm_messages(self, user_id: str) -> list[Message]:
        """Messages in the bot's DM with `user_id` (empty if never opened)."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return list(self.history[channel.id])
            return []

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to one API method."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def snapshot(self) -> JSON:
        """A JSON-ready summary of users and channels, for the playground's first paint."""
        with self.lock:
            return {
                "team": {"id": self.team_id},
                "bot_user_id": self.bot_user_id,
                "users": [u.to_dict(self.team_id) for u in self.users.values()],
                "channels": [c.to_dict(self.bot_user_id) | {"members": list(c.members)}
                             for c in self.channels.values()],
            }
