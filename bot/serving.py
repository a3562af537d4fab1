"""Graceful stop for the waitress servers of ``incident-bot serve``: stop accepting, drain, then close."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from types import FrameType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel

log = logging.getLogger(__name__)

LOOP_TICK = 0.1  # seconds; how soon the serving loop sees a stop request


class Shutdown:
    """Set once by SIGTERM (or SIGINT); a second signal exits at once, and a watchdog bounds the whole stop."""

    def __init__(self, budget_seconds: float | None = 19.0) -> None:
        self.requested = threading.Event()
        self.budget_seconds = budget_seconds  # None: no watchdog
        self._finished = threading.Event()
        self._callbacks: list[Callable[[], object]] = []
        self._lock = threading.RLock()  # the signal handler may run while the main thread holds it

    def on_request(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` (quickly: start a thread) when the stop is requested, or now if it already was."""
        with self._lock:
            already = self.requested.is_set()
            if not already:
                self._callbacks.append(callback)
        if already:
            callback()

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.requested.is_set():
            log.warning("signal %s again: exiting now", signum)
            os._exit(1)
        log.info("signal %s: shutting down", signum)
        self.request()

    def request(self) -> None:
        with self._lock:
            if self.requested.is_set():
                return
            self.requested.set()
            callbacks, self._callbacks = self._callbacks, []
        if self.budget_seconds is not None:
            threading.Thread(target=self._watchdog, args=(self.budget_seconds,), name="shutdown-watchdog", daemon=True).start()
        for callback in callbacks:
            callback()

    def finished(self) -> None:
        """The stop is complete: the watchdog stands down."""
        self._finished.set()

    def _watchdog(self, budget: float) -> None:
        if self._finished.wait(budget):
            return
        log.error("shutdown took longer than %.0fs; exiting with work unfinished (it is retried)", budget)
        logging.shutdown()
        os._exit(1)


def _channels(server: Any) -> list[HTTPChannel]:
    return [c for c in list(server._map.values()) if isinstance(c, HTTPChannel)]


def _busy(channel: HTTPChannel) -> bool:
    """A request being read, queued, served, or a response not yet sent."""
    return bool(channel.requests or channel.request is not None or channel.total_outbufs_len)


def in_flight(server: Any) -> int:
    """Requests this server has accepted and not yet answered in full."""
    tasks = server.task_dispatcher
    return max(int(len(tasks.queue) + tasks.active_count), sum(1 for c in _channels(server) if _busy(c)))


def serve_until(server: Any, stop: threading.Event, drain_seconds: float = 6.0) -> bool:
    """Run a waitress server until ``stop``; then refuse new connections and finish the requests in flight.

    Idle keep-alive connections are closed; a busy one is closed once its response is sent. True if every
    request was answered within ``drain_seconds``.
    """
    socket_map = server._map
    poll = server.adj.asyncore_use_poll
    while not stop.is_set():
        wasyncore.loop(timeout=LOOP_TICK, map=socket_map, use_poll=poll, count=1)
    wasyncore.dispatcher.close(server)  # the listening socket: new connections are refused from here on
    deadline = time.monotonic() + drain_seconds
    while True:
        for channel in _channels(server):
            if not _busy(channel):
                channel.will_close = True
        if in_flight(server) == 0 or time.monotonic() >= deadline:
            break
        wasyncore.loop(timeout=LOOP_TICK, map=socket_map, use_poll=poll, count=1)
    left = in_flight(server)
    if left:
        log.warning("%s request(s) still running after %.0fs; closing anyway", left, drain_seconds)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(socket_map)
    return left == 0


def finish(executor: Executor, timeout: float, what: str) -> bool:
    """``executor.shutdown(wait=True)`` bounded by ``timeout``; False (and logged) if work was still running."""
    done = threading.Event()

    def wait() -> None:
        executor.shutdown(wait=True)
        done.set()

    threading.Thread(target=wait, name=f"finish-{what}", daemon=True).start()
    if not done.wait(timeout):
        log.warning("%s still running after %.0fs", what, timeout)
        return False
    return True


def in_background(fn: Callable[[], None], name: str) -> threading.Thread:
    """Run ``fn`` in a daemon thread that logs (never raises) what went wrong."""

    def run() -> None:
        try:
            fn()
        except Exception:  # shutdown goes on; say what failed
            log.exception("%s failed during shutdown", name)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
