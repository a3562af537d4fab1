"""Holds the leader lease: starts the scheduler when elected, stops it when the lease is lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.scheduling.lease import Lease

log = logging.getLogger(__name__)


class LeaderElector:
    """Polls every ``interval`` seconds: a standby tries to acquire, the leader renews."""

    def __init__(
        self, lease: Lease, on_elected: Callable[[], None], on_lost: Callable[[], None], interval: float = 2.0
    ) -> None:
        self.lease = lease
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.interval = interval
        self.is_leader = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="scheduler-election", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self.is_leader:
            self._step_down()
            self.lease.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # keep electing; a failed start is retried on the next tick
                log.exception("scheduler election tick failed")
            self._stop.wait(self.interval)

    def tick(self) -> None:
        if self.is_leader:
            if not self.lease.renew():
                log.warning("lost the scheduler lease; stepping down")
                self._step_down()
            return
        if self.lease.try_acquire():
            log.info("elected to run the scheduler")
            self.is_leader = True
            try:
                self.on_elected()
            except Exception:
                log.exception("scheduler failed to start; releasing the lease")
                self._step_down()
                self.lease.release()

    def _step_down(self) -> None:
        self.is_leader = False
        self.on_lost()
