"""Slack's Web API rate-limit tiers, enforced by the emulator when asked, counting every 429 it answers."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Calls per minute of each tier, per workspace and method (Slack's "Tier 1: 1+ per minute" and so on).
TIER_PER_MINUTE: dict[int, int] = {1: 1, 2: 20, 3: 50, 4: 100}
DEFAULT_TIER = 3
# chat.postMessage is "special": about one message per second per channel, short bursts allowed.
POST_PER_SECOND = 1.0
POST_BURST = 4
POST_MESSAGE = "chat.postMessage"

METHOD_TIERS: dict[str, int] = {
    "auth.test": 4,
    "bookmarks.add": 2,
    "bookmarks.list": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "conversations.archive": 2,
    "conversations.create": 2,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.invite": 3,
    "conversations.join": 3,
    "conversations.list": 2,
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.replies": 3,
    "conversations.setPurpose": 2,
    "conversations.setTopic": 2,
    "conversations.unarchive": 2,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "files.info": 4,
    "files.upload": 2,
    "pins.add": 2,
    "pins.list": 2,
    "pins.remove": 2,
    "reactions.add": 3,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}


def tier_of(method: str) -> int:
    """The rate tier Slack documents for ``method`` (Tier 3 for methods not listed)."""
    return METHOD_TIERS.get(method, DEFAULT_TIER)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimits:
    """Token buckets per method (its tier's minute allowance, refilled evenly) and per channel for posts.

    ``speedup`` runs the refill faster (rates multiplied, bursts unchanged) so a test can watch a
    minute of Slack's limits in a few seconds. ``check`` consumes one call or says how long to wait.
    """

    def __init__(self, clock: Callable[[], float], speedup: float = 1.0, post_burst: int = POST_BURST) -> None:
        if speedup <= 0:
            raise ValueError("speedup must be positive")
        self.clock = clock
        self.speedup = speedup
        self.post_burst = post_burst
        self.refused: Counter[str] = Counter()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def total_refused(self) -> int:
        """How many calls were answered 429 because of these limits."""
        with self._lock:
            return sum(self.refused.values())

    def limit_of(self, method: str) -> tuple[int, float]:
        """``(burst, refill per second)`` of the bucket a call to ``method`` draws from."""
        if method == POST_MESSAGE:
            return self.post_burst, POST_PER_SECOND * self.speedup
        per_minute = TIER_PER_MINUTE[tier_of(method)]
        return per_minute, per_minute / 60.0 * self.speedup

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Take one call from the budget (None), or refuse it: the whole seconds to put in Retry-After."""
        key = (method, channel or "") if method == POST_MESSAGE else (method, "")
        burst, rate = self.limit_of(method)
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(burst), now)
            bucket.tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0 - 1e-9:  # float dust from the refill must not refuse a call
                bucket.tokens -= 1.0
                return None
            self.refused[method] += 1
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))
