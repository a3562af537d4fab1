"""A bounded pool of lanes: one key's work runs at a time, and a slow key never holds up another."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class Lanes:
    """Runs ``work`` for a key on a free worker, unless that key is already running or no worker is free.

    Work is never queued behind busy workers: a key that finds no free worker is offered again on the
    next pass, so a stalled key occupies one worker and nothing else waits for it. When ``work`` returns
    True, ``after`` is called once its key is free again (to look for more work).
    """

    def __init__(self, workers: int, name: str = "lane", after: Callable[[], None] | None = None) -> None:
        if workers < 1:
            raise ValueError("at least one worker is needed")
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._busy: set[Hashable] = set()
        self._changed = threading.Condition()
        self._closed = False
        self._after = after

    def offer(self, key: Hashable, work: Callable[[], bool]) -> bool:
        """Start ``work`` now on a free worker; False when ``key`` is running, all are busy, or closed."""
        with self._changed:
            if self._closed or key in self._busy or len(self._busy) >= self.workers:
                return False
            self._busy.add(key)
        try:
            self._pool.submit(self._run, key, work)
        except RuntimeError:  # the pool was shut down in between
            self._finish(key)
            return False
        return True

    def _run(self, key: Hashable, work: Callable[[], bool]) -> None:
        again = False
        try:
            again = work()
        except Exception:  # one key's failure must not take a worker down with it
            log.exception("lane %r failed", key)
        finally:
            self._finish(key)
        if again and self._after is not None:
            self._after()

    def _finish(self, key: Hashable) -> None:
        with self._changed:
            self._busy.discard(key)
            self._changed.notify_all()

    def running(self) -> set[Hashable]:
        """The keys whose work is running now."""
        with self._changed:
            return set(self._busy)

    def has_free_worker(self) -> bool:
        with self._changed:
            return not self._closed and len(self._busy) < self.workers

    def close(self, timeout: float) -> bool:
        """Take no more work; wait up to ``timeout`` for running work. True if all of it finished."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._closed = True
            while self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            finished = not self._busy
        self._pool.shutdown(wait=False)
        return finished
