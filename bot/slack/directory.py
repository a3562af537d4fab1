"""People in the Slack workspace: users by email, members of a user group or a channel (cached briefly)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.services.outbox import RetryLater
from bot.slack.gateway import SlackCallFailed, SlackGateway

log = logging.getLogger(__name__)

# Membership answers are reused this long: a refusal always asks Slack again, so someone who has just
# joined is let in at once, and someone who has just left keeps access for at most this long.
MEMBERS_TTL = 30.0


class SlackDirectory:
    """``services.ports.Directory`` and ``services.access.Membership`` on the Web API.

    ``users.lookupByEmail``, ``usergroups.users.list`` and ``conversations.members``.
    """

    def __init__(self, gateway: SlackGateway, clock: Callable[[], float] = time.monotonic) -> None:
        self.slack = gateway
        self.clock = clock
        self._lock = threading.Lock()
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._groups: dict[str, tuple[float, tuple[str, ...]]] = {}

    def user_by_email(self, email: str) -> str | None:
        resp = self.slack.call("users.lookupByEmail", email=email, tolerate=("users_not_found",))
        user = resp.get("user") or {}
        if not resp.get("ok") or not user.get("id"):
            return None
        return str(user["id"])

    def group_members(self, group_id: str) -> tuple[str, ...]:
        with self._lock:
            cached = self._groups.get(group_id)
        if cached is not None and self.clock() - cached[0] < MEMBERS_TTL:
            return cached[1]
        users = self._group_members(group_id)
        with self._lock:
            self._groups[group_id] = (self.clock(), users)
        return users

    def _group_members(self, group_id: str) -> tuple[str, ...]:
        try:
            resp = self.slack.call(
                "usergroups.users.list",
                usergroup=group_id,
                tolerate=("no_such_subteam", "paid_teams_only", "not_allowed_token_type"),
            )
        except (SlackCallFailed, RetryLater) as exc:
            log.warning("cannot list user group %s: %s", group_id, exc)
            return ()
        return tuple(str(u) for u in resp.get("users") or ())

    def in_channel(self, channel_id: str, user_id: str) -> bool | None:
        """Whether ``user_id`` is in the channel; ``None`` when Slack will not say right now.

        A recent list that names the person is trusted; otherwise the members are listed again.
        """
        with self._lock:
            cached = self._members.get(channel_id)
        if cached is not None and self.clock() - cached[0] < MEMBERS_TTL and user_id in cached[1]:
            return True
        members = self._channel_members(channel_id)
        if members is None:
            return None
        with self._lock:
            self._members[channel_id] = (self.clock(), members)
        return user_id in members

    def _channel_members(self, channel_id: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor = ""
        try:
            while True:
                resp = self.slack.call(
                    "conversations.members",
                    channel=channel_id,
                    limit=1000,
                    cursor=cursor,
                    tolerate=("channel_not_found", "not_in_channel"),
                )
                if not resp.get("ok"):
                    log.warning("cannot list the members of %s: %s", channel_id, resp.get("error"))
                    return None
                found.update(str(u) for u in resp.get("members") or ())
                cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    return frozenset(found)
        except (SlackCallFailed, RetryLater) as exc:
            log.warning("cannot list the members of %s: %s", channel_id, exc)
            return None
