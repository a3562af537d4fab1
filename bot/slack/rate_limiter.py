"""Keeps Web API calls within Slack's rate tiers, shared by every replica through Redis when configured.

Each method has a budget (its tier's calls a minute; ``chat.postMessage`` about one a second per channel)
kept as a GCRA bucket: a call reserves the next free slot. A slot a moment away is waited for; one further
off is not taken, and the call is handed back to the outbox with a not-before time (``RetryLater``), so
the delivery thread is freed and no 429 is collected. After a 429 anyway, ``hold`` stops everyone using
that budget for the ``Retry-After`` Slack asked for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.services.outbox import RetryLater

log = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TIER_PER_MINUTE: dict[int, int] = {1: 1, 2: 20, 3: 50, 4: 100}
# Word lists, not quoted names: these are Slack's tables, not methods the bot calls (the manifest test
# finds those by their quoted names).
TIER_2 = _words("""
    bookmarks.add conversations.archive conversations.create conversations.list conversations.rename
    conversations.setPurpose conversations.setTopic conversations.unarchive pins.add pins.list pins.remove
    usergroups.list usergroups.users.list users.list
""")
TIER_4 = _words("""
    auth.test chat.getPermalink chat.postEphemeral conversations.members files.completeUploadExternal
    files.getUploadURLExternal files.info users.info views.open views.publish views.push views.update
""")
POST_MESSAGE = "chat.postMessage"
KEY_PREFIX = "incident-bot:slack-rate:"
# A slot at most this far away is waited for in the calling thread; further off, the call is deferred.
MAX_WAIT_SECONDS = 2.0
# After a Redis failure the limiter uses this process's buckets, and asks Redis again after this long.
REDIS_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class Budget:
    """Calls a second, and how many may go at once after a quiet spell."""

    per_second: float
    burst: int

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


def tier_of(method: str) -> int:
    return 2 if method in TIER_2 else 4 if method in TIER_4 else 3


def budget_for(method: str, factor: float = 1.0) -> Budget:
    """The share of Slack's limit the bot allows itself: the tier's rate, a quarter of it at once."""
    if method == POST_MESSAGE:
        return Budget(1.0 * factor, 3)
    per_minute = TIER_PER_MINUTE[tier_of(method)]
    return Budget(per_minute / 60.0 * factor, max(1, per_minute // 4))


def bucket_key(method: str, channel: str | None) -> str:
    """One budget per method, and one per channel for posts (Slack's per-channel message limit)."""
    if method == POST_MESSAGE:
        return f"{KEY_PREFIX}{method}:{channel or '-'}"
    return f"{KEY_PREFIX}{method}"


class Buckets(Protocol):
    """Where the buckets' state lives: this process, or Redis for every replica."""

    def reserve(self, key: str, budget: Budget, now: float, max_wait: float) -> tuple[bool, float]:
        """Take the next slot if it is at most ``max_wait`` away: ``(True, wait)``; else ``(False, wait)``."""
        ...

    def hold(self, key: str, budget: Budget, until: float, now: float) -> None:
        """No slot before ``until`` (Slack answered 429)."""
        ...


class MemoryBuckets:
    """Buckets of this process only (no Redis configured, or Redis unreachable)."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, budget: Budget, now: float, max_wait: float) -> tuple[bool, float]:
        with self._lock:
            tat = max(self._tat.get(key, now), now)
            wait = max(0.0, tat - budget.tolerance - now)
            if wait > max_wait:
                return False, wait
            self._tat[key] = tat + budget.interval
            return True, wait

    def hold(self, key: str, budget: Budget, until: float, now: float) -> None:
        with self._lock:
            self._tat[key] = max(self._tat.get(key, 0.0), until + budget.tolerance)


# GCRA in one round trip: KEYS[1] holds the bucket's theoretical arrival time.
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, tostring(wait)} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.max(1000, math.ceil((new_tat - now + 1) * 1000)))
return {1, tostring(wait)}
"""
_HOLD = """
local now = tonumber(ARGV[1])
local until_tat = tonumber(ARGV[2]) + tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < until_tat then tat = until_tat end
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.max(1000, math.ceil((tat - now + 1) * 1000)))
return 1
"""


class RedisBuckets:
    """Buckets in Redis, shared by every replica; falls back to this process's buckets while Redis is down."""

    def __init__(self, redis_client: Any) -> None:
        self.redis = redis_client
        self.fallback = MemoryBuckets()
        self._reserve = redis_client.register_script(_RESERVE)
        self._hold = redis_client.register_script(_HOLD)
        self._redis_down = False
        self._retry_redis_at = 0.0
        self._lock = threading.Lock()

    def _skipping(self) -> bool:
        """While Redis is down, ask it again only every few seconds (each try may cost its timeouts)."""
        return self._redis_down and time.monotonic() < self._retry_redis_at

    def reserve(self, key: str, budget: Budget, now: float, max_wait: float) -> tuple[bool, float]:
        if self._skipping():
            return self.fallback.reserve(key, budget, now, max_wait)
        try:
            granted, wait = self._reserve(keys=[key], args=[repr(now), repr(budget.interval),
                                                            repr(budget.tolerance), repr(max_wait)])
        except Exception as exc:  # any Redis failure: keep limiting, in this process only
            self._down(exc)
            return self.fallback.reserve(key, budget, now, max_wait)
        self._up()
        return bool(int(granted)), float(wait)

    def hold(self, key: str, budget: Budget, until: float, now: float) -> None:
        self.fallback.hold(key, budget, until, now)
        if self._skipping():
            return
        try:
            self._hold(keys=[key], args=[repr(now), repr(until), repr(budget.tolerance)])
        except Exception as exc:  # the local hold above still applies
            self._down(exc)
            return
        self._up()

    def _down(self, exc: Exception) -> None:
        with self._lock:
            self._retry_redis_at = time.monotonic() + REDIS_RETRY_SECONDS
            if not self._redis_down:
                self._redis_down = True
                log.warning("redis unavailable for Slack rate limits; limiting this process only: %s", exc)

    def _up(self) -> None:
        if self._redis_down:
            with self._lock:
                if self._redis_down:
                    self._redis_down = False
                    log.info("redis reachable again: Slack rate limits are shared by every replica")


class RateLimiter:
    """Asked by the Slack gateway before each call; waits a moment or defers the call to the outbox."""

    def __init__(
        self,
        buckets: Buckets | None = None,
        *,
        factor: float = 1.0,
        max_wait: float = MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if factor <= 0:
            raise ValueError("the rate factor must be positive")
        self.buckets: Buckets = buckets if buckets is not None else MemoryBuckets()
        self.factor = factor
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self.deferred = 0
        self.waited_seconds = 0.0

    def before_call(self, method: str, channel: str | None = None) -> None:
        """Return when the call may go; raise ``RetryLater`` (with the time to wait) when its slot is far."""
        budget = budget_for(method, self.factor)
        granted, wait = self.buckets.reserve(bucket_key(method, channel), budget, self.clock(), self.max_wait)
        if not granted:
            self.deferred += 1
            raise RetryLater(f"{method}: keeping within Slack's rate limit", max(wait, 0.1))
        if wait > 0:
            self.waited_seconds += wait
            self.sleep(wait)

    def hold(self, method: str, channel: str | None, seconds: float) -> None:
        """Slack said 429: nobody uses this budget for ``seconds``."""
        budget = budget_for(method, self.factor)
        now = self.clock()
        self.buckets.hold(bucket_key(method, channel), budget, now + seconds, now)


def rate_limiter_for(redis_client: Any, factor: float = 1.0) -> RateLimiter:
    """Shared through Redis when the bot has one, in this process otherwise."""
    buckets: Buckets = RedisBuckets(redis_client) if redis_client is not None else MemoryBuckets()
    return RateLimiter(buckets, factor=factor)
