"""Thread-safe in-memory state of one emulated Slack workspace, with change events for listeners.

Over 300 lines because it is the one owner of the workspace's state and its lock: every mutation the
Web API methods and the driver make goes through here (queries and views live in their own mixins).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.emulator.conditions import Conditions, RandomFaults, Stall
from bot.emulator.models import (
    JSON,
    Call,
    Channel,
    Ephemeral,
    Fault,
    FileRecord,
    Join,
    Message,
    ResponseUrl,
    Trigger,
    User,
    Usergroup,
    View,
)
from bot.emulator.queries import WorkspaceQueries
from bot.emulator.rate_limits import POST_BURST, RateLimits
from bot.emulator.view_state import WorkspaceViews

log = logging.getLogger(__name__)

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
Listener = Callable[[JSON], None]

SEED_USERS = [
    User(BOT_USER_ID, "incident-bot", "Incident Bot", is_bot=True),
    User("U0ALICE", "alice", "Alice Archer", "alice@example.com", title="SRE"),
    User("U0BOB", "bob", "Bob Baker", "bob@example.com", title="Backend engineer"),
    User("U0CAROL", "carol", "Carol Chen", "carol@example.com", title="Support lead"),
    User("U0DAVE", "dave", "Dave Diaz", "dave@example.com", title="Engineering manager"),
    User("U0ERIN", "erin", "Erin Evans", "erin@example.com", title="CTO"),
]


class Workspace(WorkspaceQueries, WorkspaceViews):
    """All state of the emulated workspace; every access goes through `self.lock`."""

    def __init__(self, team_id: str = "T0EMULATE", team_domain: str = "emulated",
                 clock: Callable[[], float] = time.time, seed: bool = True) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.team_id = team_id
        self.team_domain = team_domain
        self.team_name = team_domain.title()
        self.clock = clock
        self.base_url = ""
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.channels: dict[str, Channel] = {}
        self.history: dict[str, list[Message]] = {}
        self.ephemeral: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.view_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.files: dict[str, FileRecord] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.conditions = Conditions()
        self.rate_limits: RateLimits | None = None
        self.warnings: list[str] = []
        self.warnings_cleared = 0  # warnings[:warnings_cleared] were dismissed in the page
        self.notes: list[str] = []
        self._listeners: list[Listener] = []
        self._ids = itertools.count(1)
        self._last_micros = 0
        self.add_user(SEED_USERS[0])
        if seed:
            self._seed()

    def _seed(self) -> None:
        for user in SEED_USERS[1:]:
            self.add_user(User(**vars(user)))
        self.add_usergroup("S0LEADS", "leads", "Incident leads", ["U0ALICE", "U0DAVE"])
        humans = [u for u in self.users if u != BOT_USER_ID]
        self.create_channel("general", creator="U0DAVE", members=humans, is_general=True)
        self.create_channel("incidents", creator=BOT_USER_ID, members=[BOT_USER_ID, *humans],
                            purpose="Incident announcements")

    # ----- identifiers and time -------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as `C0000000A7`."""
        with self.lock:
            return f"{prefix}{next(self._ids):09X}"

    def new_ts(self) -> str:
        """A unique, strictly increasing message timestamp like `1732380000.000100`."""
        with self.lock:
            micros = max(self._last_micros + 1, int(self.clock() * 1_000_000))
            self._last_micros = micros
            return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def now(self) -> float:
        """The workspace clock."""
        return self.clock()

    # ----- listeners and warnings -----------------------------------------------------------
    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call `callback(event)` on every change (under the lock: keep it quick); returns an unsubscribe."""
        with self.lock:
            self._listeners.append(callback)

        def unsubscribe() -> None:
            with self.lock:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unsubscribe

    def emit(self, kind: str, **data: Any) -> None:
        """Tell listeners and waiters that something changed."""
        event: JSON = {"type": kind, "time": self.clock(), **data}
        with self.lock:
            for callback in list(self._listeners):
                try:
                    callback(event)
                except Exception:  # a broken listener must not break the API
                    log.exception("workspace listener failed on %s", kind)
            self.changed.notify_all()

    def warn(self, text: str, **context: Any) -> None:
        """Record (and log) misuse of the API or Block Kit."""
        with self.lock:
            self.warnings.append(text)
            log.warning("slack emulator: %s", text)
            self.emit("warning", text=text, **context)

    def active_warnings(self) -> list[str]:
        """The warnings since the page last cleared them, oldest first."""
        with self.lock:
            return self.warnings[self.warnings_cleared :]

    def clear_warnings(self) -> int:
        """Dismiss every warning so far (they stay in ``warnings``); returns how many were cleared."""
        with self.lock:
            cleared = len(self.warnings) - self.warnings_cleared
            self.warnings_cleared = len(self.warnings)
            self.emit("warnings_cleared", count=cleared)
            return cleared

    def narrate(self, text: str) -> None:
        """A line for the people watching (a scenario's ``note:``), logged and shown in the page."""
        with self.lock:
            self.notes.append(text)
            log.info("scenario: %s", text)
            self.emit("narration", text=text)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until `predicate()` is truthy (re-checked on every change); return its value or raise."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout:.1f} s")
                self.changed.wait(min(remaining, 0.05))

    # ----- users ------------------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        """Add or replace a user."""
        with self.lock:
            self.users[user.id] = user
            self.emit("user_added", user=user.id)
            return user

    def add_usergroup(self, group_id: str, handle: str, name: str, users: Iterable[str]) -> Usergroup:
        """Add or replace a user group."""
        with self.lock:
            group = Usergroup(group_id, handle, name, list(users))
            self.usergroups[group_id] = group
            return group

    # ----- channels ---------------------------------------------------------------------------
    def create_channel(self, name: str, creator: str = BOT_USER_ID, is_private: bool = False,
                       members: Iterable[str] | None = None, topic: str = "", purpose: str = "",
                       is_general: bool = False) -> Channel:
        """Create a channel; the creator is always a member."""
        with self.lock:
            member_list = list(dict.fromkeys([creator, *(members or [])]))
            channel = Channel(self.new_id("C"), name, int(self.clock()), creator, is_private=is_private,
                              topic=topic, purpose=purpose, members=member_list, is_general=is_general)
            self.channels[channel.id] = channel
            self.history[channel.id] = []
            self.emit("channel_created", channel=channel.to_dict(BOT_USER_ID))
            return channel

    def join(self, channel_id: str, user_id: str, inviter: str | None = None) -> None:
        """Add a member and remember when they joined, for the join notice (no-op when already in)."""
        with self.lock:
            channel = self.channels[channel_id]
            if user_id not in channel.members:
                channel.members.append(user_id)
                channel.joins.append(Join(self.new_ts(), channel_id, user_id, inviter))
                self.emit("member_joined", channel=channel_id, user=user_id, inviter=inviter)

    def update_channel(self, channel_id: str, **changes: Any) -> Channel:
        """Change topic, purpose, archive flag."""
        with self.lock:
            channel = self.channels[channel_id]
            for key, value in changes.items():
                setattr(channel, key, value)
            self.emit("channel_updated", channel=channel.to_dict(BOT_USER_ID), changes=changes)
            return channel

    def open_dm(self, user_id: str) -> Channel:
        """The bot's direct-message channel with `user_id` (created on first use)."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            channel = Channel(self.new_id("D"), "", int(self.clock()), BOT_USER_ID, is_im=True,
                              is_private=True, members=[BOT_USER_ID, user_id], im_user=user_id)
            self.channels[channel.id] = channel
            self.history[channel.id] = []
            self.emit("dm_opened", channel=channel.id, user=user_id)
            return channel

    # ----- messages ---------------------------------------------------------------------------
    def post_message(self, channel_id: str, user: str, text: str = "", blocks: list[JSON] | None = None,
                     thread_ts: str | None = None, **extra: Any) -> Message:
        """Append a message (or thread reply) to a channel."""
        with self.lock:
            bot_id = BOT_ID if self.users.get(user, User(user, user)).is_bot else None
            message = Message(self.new_ts(), channel_id, user, text, list(blocks or []),
                              thread_ts=thread_ts, bot_id=bot_id, **extra)
            self.history[channel_id].append(message)
            self.emit("message_posted", channel=channel_id, ts=message.ts, message=message.to_dict())
            return message

    def edit_message(self, message: Message, text: str | None, blocks: list[JSON] | None,
                     **extra: Any) -> Message:
        """Replace a message's text/blocks, keeping the previous version in `edits`."""
        with self.lock:
            message.edits.append({"text": message.text, "blocks": message.blocks, "edited_ts": self.new_ts()})
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = list(blocks)
            for key, value in extra.items():
                setattr(message, key, value)
            self.emit("message_updated", channel=message.channel, ts=message.ts,
                      message=message.to_dict())
            return message

    def delete_message(self, message: Message) -> None:
        """Remove a message."""
        with self.lock:
            self.history[message.channel].remove(message)
            channel = self.channels[message.channel]
            if message.ts in channel.pins:
                channel.pins.remove(message.ts)
            self.emit("message_deleted", channel=message.channel, ts=message.ts)

    def post_ephemeral(self, channel_id: str, user: str, text: str = "",
                       blocks: list[JSON] | None = None, thread_ts: str | None = None) -> Ephemeral:
        """Show a message to one user only."""
        with self.lock:
            eph = Ephemeral(self.new_ts(), channel_id, user, text, list(blocks or []), thread_ts)
            self.ephemeral.append(eph)
            self.emit("ephemeral_posted", channel=channel_id, user=user, ts=eph.ts, message=eph.to_dict())
            return eph

    # ----- triggers, response urls, faults, calls ------------------------------------------
    def issue_trigger(self, user_id: str) -> str:
        """A fresh trigger_id for an interaction by `user_id`."""
        with self.lock:
            trigger = Trigger(f"{next(self._ids)}.{self.team_id}.{self.new_id('')}", user_id, self.clock())
            self.triggers[trigger.id] = trigger
            return trigger.id

    def issue_response_url(self, user_id: str, channel_id: str, message_ts: str | None = None,
                           is_ephemeral: bool = False) -> str:
        """A fresh response_url pointing back at this emulator."""
        with self.lock:
            ru = ResponseUrl(self.new_id("R").lower(), user_id, channel_id, self.clock(), message_ts,
                             is_ephemeral)
            self.response_urls[ru.id] = ru
            return f"{self.base_url.rstrip('/')}/response/{ru.id}"

    def fail_next(self, method: str, error: str = "ratelimited", http_status: int = 429,
                  retry_after: int = 1, times: int = 1, html: bool = False) -> None:
        """Make the next `times` calls to `method` fail (429 with Retry-After, 5xx, or any error code)."""
        with self.lock:
            self.faults.append(Fault(method, error, http_status, retry_after, times, html))

    def take_fault(self, method: str) -> Fault | None:
        """Consume one injected failure for `method`, if any."""
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
            return None

    # ----- rate limits, latency, stalls, random failures -------------------------------------
    def enforce_rate_limits(self, speedup: float = 1.0, post_burst: int = POST_BURST) -> RateLimits:
        """Answer 429 (with Retry-After) past each method's tier and ~1 post/s per channel."""
        self.rate_limits = RateLimits(self.clock, speedup, post_burst)
        return self.rate_limits

    def delay_calls(self, seconds: float) -> None:
        """Answer every Web API call only after ``seconds``."""
        self.conditions.call_delay = seconds

    def stall_channel(self, ref: str, seconds: float) -> Stall:
        """Calls naming this channel (id, name or DM user) hang ``seconds`` each, until released."""
        return self.conditions.stall(self.channel_id(ref), seconds)

    def fail_randomly(self, probability: float, seed: int = 0, methods: Iterable[str] | None = None,
                      retry_after: int = 1) -> RandomFaults:
        """Fail that share of calls (to ``methods``, or all) with 429, 500 or 503, reproducibly."""
        faults = RandomFaults(probability, seed, methods, retry_after=retry_after)
        self.conditions.random_faults = faults
        return faults

    def record_call(self, method: str, args: JSON, ok: bool, error: str | None, status: int = 200) -> None:
        """Remember one API call for assertions."""
        with self.lock:
            call = Call(method, args, ok, error, self.clock(), status)
            self.calls.append(call)
            self.emit("api_call", method=method, ok=ok, error=error, status=status)
