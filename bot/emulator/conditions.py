"""A slow or flaky Slack on demand: a delay on every call, stalled channels, random 429/5xx answers."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable

from bot.emulator.models import Fault

# What a random failure answers: Slack's rate limit and its two usual server errors.
RANDOM_FAILURES: tuple[tuple[int, str], ...] = ((429, "ratelimited"), (500, "internal_error"),
                                                (503, "service_unavailable"))


class Stall:
    """Calls naming one channel hang until ``seconds`` have passed (each call) or ``release()``."""

    def __init__(self, channel_id: str, seconds: float) -> None:
        self.channel_id = channel_id
        self.seconds = seconds
        self.stalled_calls = 0
        self._released = threading.Event()
        self._lock = threading.Lock()

    def hold(self) -> None:
        """Make the calling request wait (outside any workspace lock)."""
        with self._lock:
            self.stalled_calls += 1
        self._released.wait(self.seconds)

    def release(self) -> None:
        """Let waiting and future calls through at once."""
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()


class RandomFaults:
    """Fails a share of calls at random (seeded, so a failing run can be replayed)."""

    def __init__(self, probability: float, seed: int, methods: Iterable[str] | None = None,
                 failures: tuple[tuple[int, str], ...] = RANDOM_FAILURES, retry_after: int = 1) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        self.probability = probability
        self.methods = frozenset(methods) if methods is not None else None
        self.failures = failures
        self.retry_after = retry_after
        self.injected = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self, method: str) -> Fault | None:
        """A failure for this call, or None to let it through."""
        if self.methods is not None and method not in self.methods:
            return None
        with self._lock:
            if self._random.random() >= self.probability:
                return None
            status, error = self._random.choice(self.failures)
            self.injected += 1
        return Fault(method, error, status, self.retry_after, 1)


class Conditions:
    """The network weather of one workspace; ``before_call`` runs for every Web API call."""

    def __init__(self) -> None:
        self.call_delay = 0.0
        self.stalls: dict[str, Stall] = {}
        self.random_faults: RandomFaults | None = None
        self._lock = threading.Lock()

    def stall(self, channel_id: str, seconds: float) -> Stall:
        with self._lock:
            stall = self.stalls[channel_id] = Stall(channel_id, seconds)
            return stall

    def before_call(self, channel_id: str | None) -> None:
        """Wait as the conditions say: the per-call delay, then any stall of the channel named."""
        if self.call_delay > 0:
            time.sleep(self.call_delay)
        if channel_id is None:
            return
        with self._lock:
            stall = self.stalls.get(channel_id)
        if stall is not None and not stall.released:
            stall.hold()

    def random_fault(self, method: str) -> Fault | None:
        faults = self.random_faults
        return faults.pick(method) if faults is not None else None
