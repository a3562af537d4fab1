"""Web API calls within Slack's rate limits, failures sorted into retry-later and give-up, small caches."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services.outbox import GiveUp, RetryLater
from bot.slack.rate_limiter import RateLimiter

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
# A 429 (within a short Retry-After) or a 5xx is tried again this many times before the outbox's backoff.
QUICK_RETRIES = 2
QUICK_RETRY_PAUSE = 0.2


class SlackGateway:
    """The bot's only door to the Web API; every call goes to ``SLACK_API_URL``."""

    def __init__(self, client: WebClient, broadcast_channel: str, limiter: RateLimiter | None = None) -> None:
        self.client = client
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.broadcast_channel_name = broadcast_channel.lstrip("#")
        self._lock = threading.Lock()
        self._bot_user_id: str | None = None
        self._broadcast_id: str | None = None
        self._names: dict[str, str] = {}

    def call(self, method: str, *, tolerate: Iterable[str] = (), **kwargs: Any) -> dict[str, Any]:
        """Call ``method``; transient failures raise ``RetryLater``; errors in ``tolerate`` return their body.

        The rate limiter goes first (it may wait a moment, or defer the call with ``RetryLater``). A 429
        holds that budget for its ``Retry-After``; a 429 or 5xx is retried here a couple of times (a short
        pause, in this incident's delivery thread) before the outbox takes over with its backoff.
        """
        args = {k: v for k, v in kwargs.items() if v is not None and v != ""}
        ref = args.get("channel") or args.get("channel_id")
        channel = str(ref) if isinstance(ref, str) else None
        attempt = 0
        while True:
            self.limiter.before_call(method, channel)
            try:
                return self._send(method, args, frozenset(tolerate))
            except _Refused as refused:
                if refused.retry_after is not None:  # a 429: everyone waits; this call waits if it is brief
                    self.limiter.hold(method, channel, refused.retry_after)
                    quick = refused.retry_after <= self.limiter.max_wait
                else:
                    quick = True
                if not quick or attempt >= QUICK_RETRIES:
                    raise refused.later from refused.__cause__
                if refused.retry_after is None:
                    self.limiter.sleep(QUICK_RETRY_PAUSE * (attempt + 1))
                attempt += 1

    def upload(
        self,
        *,
        channel: str,
        filename: str,
        content: bytes,
        title: str = "",
        thread_ts: str | None = None,
        initial_comment: str = "",
    ) -> str:
        """Upload ``content`` and share it in ``channel`` (``files_upload_v2``: get an upload URL, send the
        bytes, complete the upload); the file's id. Failures sort as for ``call``, without quick retries (a
        retried upload starts over with a new URL; only a completed one is shared)."""
        self.limiter.before_call("files.completeUploadExternal", channel)
        try:
            response = self.client.files_upload_v2(
                channel=channel,
                filename=filename,
                content=content,
                title=title or filename,
                thread_ts=thread_ts or None,
                initial_comment=initial_comment or None,
            )
        except SlackApiError as exc:
            try:
                self._refusal("files.completeUploadExternal", {"channel": channel}, frozenset(), exc)
            except _Refused as refused:
                if refused.retry_after is not None:
                    self.limiter.hold("files.completeUploadExternal", channel, refused.retry_after)
                raise refused.later from exc
            raise
        except (SlackClientError, OSError) as exc:  # the upload URL refused the bytes, or the network failed
            raise RetryLater(f"file upload: {exc}") from exc
        files = response.get("files") or []
        return str(files[0].get("id", "")) if files and isinstance(files[0], dict) else ""

    def _send(self, method: str, args: dict[str, Any], tolerate: frozenset[str]) -> dict[str, Any]:
        try:
            if _wants_json(method):
                response = self.client.api_call(method, json=args)
            else:
                response = self.client.api_call(method, data={k: _form(v) for k, v in args.items()})
            return dict(response.data) if isinstance(response.data, dict) else {}
        except SlackApiError as exc:
            return self._refusal(method, args, tolerate, exc)
        except SlackClientError as exc:
            raise RetryLater(f"{method}: {exc}") from exc
        except OSError as exc:  # connection refused / reset / timeout: the call may have happened, no quick retry
            raise RetryLater(f"{method}: {exc}") from exc

    def _refusal(
        self, method: str, args: dict[str, Any], tolerate: frozenset[str], exc: SlackApiError
    ) -> dict[str, Any]:
        """A Slack error answer: its body when tolerated, else ``_Refused`` (transient) or ``SlackCallFailed``."""
        body = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(body.get("error", "")) or f"http_{exc.response.status_code}"
        if error in tolerate:
            return dict(body)
        if exc.response.status_code == 429 or error == "ratelimited":
            retry_after = _retry_after(exc.response.headers)
            raise _Refused(RetryLater(f"{method}: rate limited", retry_after), retry_after) from exc
        if exc.response.status_code >= 500 or error in TRANSIENT_ERRORS:
            later = RetryLater(f"{method}: {error} (HTTP {exc.response.status_code})")
            raise _Refused(later, None) from exc
        channel = args.get("channel") or args.get("channel_id")
        raise SlackCallFailed(method, error, str(channel) if channel else None) from exc

    # -- cached facts --------------------------------------------------------------------------
    def bot_user_id(self) -> str:
        with self._lock:
            if self._bot_user_id is None:
                self._bot_user_id = str(self.call("auth.test").get("user_id", ""))
            return self._bot_user_id

    def broadcast_channel_id(self) -> str:
        """The id of ``INCIDENTS_CHANNEL``; joined (or created) on first use."""
        with self._lock:
            if self._broadcast_id is None:
                self._broadcast_id = self._find_or_create_broadcast()
            return self._broadcast_id

    def _find_or_create_broadcast(self) -> str:
        name = self.broadcast_channel_name
        cursor = ""
        while True:
            page = self.call(
                "conversations.list",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    if not channel.get("is_member") and not channel.get("is_private"):
                        self.call(
                            "conversations.join", channel=channel["id"], tolerate=("already_in_channel",)
                        )
                    return str(channel["id"])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        created = self.call("conversations.create", name=name, tolerate=("name_taken",))
        if created.get("ok"):
            return str(created["channel"]["id"])
        raise GiveUp(f"The broadcast channel #{name} exists but the bot cannot see it; invite the bot there.")

    def person_name(self, who: str) -> str:
        """A person's name (full name, else display name) for a user id or an e-mail address; ``who`` itself
        when Slack cannot tell. For text where mentions do not render: topics, drafts."""
        with self._lock:
            if who in self._names:
                return self._names[who]
        try:
            if "@" in who:
                body = self.call("users.lookupByEmail", email=who, tolerate=("users_not_found",))
            else:
                body = self.call("users.info", user=who, tolerate=("user_not_found",))
        except (RetryLater, SlackCallFailed):  # not worth failing what is being written: the id is true
            return who
        user = body.get("user") or {}
        profile = user.get("profile") or {}
        name = next(
            (str(n) for n in (profile.get("real_name"), profile.get("display_name"), user.get("real_name"),
                              user.get("name")) if n),
            who,
        )
        with self._lock:
            if len(self._names) > 5000:
                self._names.clear()
            self._names[who] = name
        return name

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return (
                str(self.call("chat.getPermalink", channel=channel, message_ts=ts).get("permalink") or "")
                or None
            )
        except SlackCallFailed:
            return None


class _Refused(Exception):
    """A transient refusal (429 or 5xx), with the ``RetryLater`` to raise if it is not retried here."""

    def __init__(self, later: RetryLater, retry_after: float | None) -> None:
        super().__init__(str(later))
        self.later = later
        self.retry_after = retry_after


class SlackCallFailed(Exception):
    """A Slack error that retrying will not fix (e.g. ``channel_not_found``)."""

    def __init__(self, method: str, error: str, channel: str | None = None) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
        self.channel = channel  # the channel the refused call named, if any


def _wants_json(method: str) -> bool:
    return method.startswith(("chat.", "views.", "bookmarks."))


def _form(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(float(value), 1.0)
    except (TypeError, ValueError, AttributeError):
        return 5.0
