"""Wake the active scheduler when a due time changes: Redis pub/sub, or a direct call in-process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "incident-bot:scheduler-wake"

# Schedulers running in this process, per database, woken directly (no Redis needed).
_local: dict[str, list[Callable[[], None]]] = {}
_local_guard = threading.Lock()


class Waker:
    """``wake()`` after a commit; ``listen(callback)`` while this process runs the scheduler."""

    def __init__(self, database_url: str, redis_client: Any) -> None:
        self.key = database_url
        self.redis = redis_client
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._callback: Callable[[], None] | None = None

    def wake(self) -> None:
        with _local_guard:
            callbacks = list(_local.get(self.key, ()))
        for callback in callbacks:
            callback()
        if self.redis is not None and not callbacks:
            try:
                self.redis.publish(CHANNEL, "wake")
            except Exception:  # the periodic re-sync catches up
                log.warning("could not publish a scheduler wake-up", exc_info=True)

    def listen(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        with _local_guard:
            _local.setdefault(self.key, []).append(callback)
        if self.redis is not None and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._subscribe, name="scheduler-wake", daemon=True)
            self._thread.start()

    def unlisten(self) -> None:
        with _local_guard:
            if self._callback is not None and self._callback in _local.get(self.key, []):
                _local[self.key].remove(self._callback)
        self._callback = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _subscribe(self) -> None:
        pubsub = None
        while not self._stop.is_set():
            try:
                if pubsub is None:
                    pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(CHANNEL)
                message = pubsub.get_message(timeout=1.0)
                if message is not None and self._callback is not None:
                    self._callback()
            except Exception:  # Redis blip: resubscribe; the periodic re-sync covers the gap
                log.warning("scheduler wake subscription failed", exc_info=True)
                pubsub = None
                self._stop.wait(1.0)
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:
                log.debug("pubsub close failed", exc_info=True)
