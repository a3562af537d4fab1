"""Requests written before Slack is acknowledged, and redone by any replica when the process that took one died.

A listener ``save``s a request (one short insert) before it acks, handles it, then calls ``done``. A request
still there once its lease lapsed belongs to a process that crashed: ``redo_lapsed`` (run every few seconds
by each process, claimed by one) hands it to the code registered for its kind. Redoing is safe because every
use case it reaches claims the request's own key in its transaction, so the change happens once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.storage import pending
from bot.storage.db import UnitOfWork

log = logging.getLogger(__name__)

# How long the process that acknowledged a request has to finish it before another one may redo it.
LEASE = timedelta(seconds=10)
MAX_ATTEMPTS = 5
Redo = Callable[[dict[str, Any]], None]


class PendingRequests:
    """The pending-request table as a use case: save before the ack, done after, redo what a crash left."""

    def __init__(
        self, uow: UnitOfWork, clock: Callable[[], datetime], poll_seconds: float = 2.0, lease: timedelta = LEASE
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease = lease
        self._redo: dict[str, Redo] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def handle(self, kind: str, redo: Redo) -> None:
        """Say what redoes a request of ``kind`` from its saved payload (the same code as the first time)."""
        if kind in self._redo:
            raise ValueError(f"pending requests of kind {kind!r} already have a handler")
        self._redo[kind] = redo

    def kinds(self) -> set[str]:
        return set(self._redo)

    # -- the acknowledging process ---------------------------------------------------------------
    def save(self, key: str, kind: str, payload: dict[str, Any]) -> None:
        """Write the request before it is acknowledged; raises when the database cannot take it."""
        if kind not in self._redo:
            raise ValueError(f"no handler for pending requests of kind {kind!r}")
        now = self.clock()
        with self.uow() as session:
            if not pending.save(session, key, kind, payload, now, now + self.lease):
                log.info("request %s arrived again; it is handled once", key)

    def done(self, key: str) -> None:
        """The request is handled (or refused): nothing is left to redo. Best effort: a leftover is redone."""
        try:
            with self.uow() as session:
                pending.forget(session, key)
        except Exception:  # the row stays; redoing it finds its key claimed and changes nothing
            log.warning("could not mark request %s done", key, exc_info=True)

    # -- any process: what a crash left behind ---------------------------------------------------
    def redo_lapsed(self) -> int:
        """Redo each request whose lease lapsed, once across replicas; how many were redone."""
        now = self.clock()
        with self.uow() as session:
            keys = pending.lapsed(session, now)
        redone = 0
        for key in keys:
            with self.uow() as session:
                taken = pending.take_over(session, key, now, self.clock() + self.lease)
            if taken is None:
                continue  # another replica has it
            redo = self._redo.get(taken.kind)
            if redo is None or taken.attempts > MAX_ATTEMPTS:
                log.error("giving up on request %s (%s) after %d attempts", key, taken.kind, taken.attempts - 1)
                self.done(key)
                continue
            log.info("redoing request %s (%s) left by a stopped process", key, taken.kind)
            try:
                redo(taken.payload)
            except Exception:  # kept: its lease lapses again and it is retried, up to MAX_ATTEMPTS
                log.exception("redoing request %s failed; it is retried", key)
                continue
            self.done(key)
            redone += 1
        return redone

    def count(self) -> int:
        with self.uow() as session:
            return pending.count(session)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="pending-requests", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.redo_lapsed()
            except Exception:  # a database hiccup: try again on the next tick
                log.warning("looking for requests to redo failed", exc_info=True)
            self._stop.wait(self.poll_seconds)
