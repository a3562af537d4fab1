"""The alert worker: in every serving process, one at a time across replicas (a lease), it takes queued
bodies in order, parses them and routes each alert; a body left by a killed process is taken up again.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.alerts.model import AlertShapeError
from bot.alerts.parsers import parse
from bot.services.alerts import AlertService
from bot.storage import alert_queue
from bot.storage.db import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=15)
MAX_ATTEMPTS = 5


class AlertWorker:
    def __init__(
        self,
        uow: UnitOfWork,
        alerts: AlertService,
        clock: Callable[[], datetime],
        poll_seconds: float = 1.0,
        lease: timedelta = LEASE,
    ) -> None:
        self.uow = uow
        self.alerts = alerts
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def work(self) -> int:
        """Route every queued body while this process holds the lease; how many bodies were settled."""
        settled = 0
        while not self._stop.is_set():
            if not self._hold():
                return settled
            with self.uow() as session:
                batch = alert_queue.next_pending(session)
            if not batch:
                return settled
            for item_id in batch:
                if self._stop.is_set() or not self._hold():
                    return settled
                self._one(item_id)
                settled += 1
        return settled

    def _hold(self) -> bool:
        now = self.clock()
        with self.uow() as session:
            return alert_queue.hold_lease(session, self.holder, now, now + self.lease)

    def _one(self, item_id: int) -> None:
        with self.uow() as session:
            item = alert_queue.start(session, item_id)
            if item is None:
                return
            source, body, attempts = item.source, item.body, item.attempts
        if attempts > MAX_ATTEMPTS:
            log.error("alert body %d given up after %d attempts", item_id, attempts - 1)
            self._settle(item_id, alert_queue.DEAD, "given up after repeated failures")
            return
        try:
            alerts = parse(source, body.encode("utf-8"))
        except AlertShapeError as error:  # accepted by an older release, or queued by another endpoint
            self._settle(item_id, alert_queue.DEAD, f"unreadable: {error}")
            return
        outcomes = []
        try:
            for index, alert in enumerate(alerts):
                outcomes.append(str(self.alerts.handle(alert, f"{item_id}:{index}")))
        except Exception:  # left pending: tried again (each alert it did handle is not redone)
            log.exception("routing alert body %d failed; it is retried", item_id)
            return
        self._settle(item_id, alert_queue.DONE, "; ".join(outcomes))

    def _settle(self, item_id: int, state: str, outcome: str) -> None:
        with self.uow() as session:
            alert_queue.settle(session, item_id, state, outcome, self.clock())

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="alert-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        try:
            with self.uow() as session:
                alert_queue.release_lease(session, self.holder, self.clock())
        except Exception:  # the lease lapses by itself
            log.debug("could not release the alert worker lease", exc_info=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.work()
            except Exception:  # a database hiccup: try again on the next tick
                log.warning("alert worker pass failed", exc_info=True)
            self._wake.wait(self.poll_seconds)
