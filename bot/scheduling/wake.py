"""Wake the active scheduler when a due time changes: in-process call, Redis pub/sub or PostgreSQL NOTIFY."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.logs import OutageLog

log = logging.getLogger(__name__)

CHANNEL = "incident-bot:scheduler-wake"
PG_CHANNEL = "incident_bot_scheduler_wake"

# Schedulers running in this process, per database, woken directly (no Redis needed).
_local: dict[str, list[Callable[[], None]]] = {}
_local_guard = threading.Lock()


class Waker:
    """``wake()`` after a commit; ``listen(callback)`` while this process runs the scheduler."""

    def __init__(self, database_url: str, redis_client: Any) -> None:
        self.key = database_url
        self.redis = redis_client
        # Without Redis, replicas sharing PostgreSQL wake the leader with LISTEN/NOTIFY.
        self.pg_dsn = _libpq_dsn(database_url) if redis_client is None else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._callback: Callable[[], None] | None = None
        self._notify_lock = threading.Lock()
        self._notify_conn: Any = None
        self._redis_outage = OutageLog(log, "scheduler wake-ups: redis unavailable; the periodic re-sync covers them")
        self._pg_outage = OutageLog(log, "scheduler wake-ups: the database is unavailable; listening again when back")

    def wake(self) -> None:
        with _local_guard:
            callbacks = list(_local.get(self.key, ()))
        for callback in callbacks:
            callback()
        if callbacks:
            return
        if self.redis is not None:
            try:
                self.redis.publish(CHANNEL, "wake")
            except Exception as error:  # the periodic re-sync catches up
                self._redis_outage.failed(error)
            else:
                self._redis_outage.recovered("scheduler wake-ups: redis reachable again")
        elif self.pg_dsn is not None:
            self._notify()

    def listen(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        with _local_guard:
            _local.setdefault(self.key, []).append(callback)
        target = self._subscribe if self.redis is not None else self._listen_pg if self.pg_dsn else None
        if target is not None and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=target, name="scheduler-wake", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._notify_lock:
            if self._notify_conn is not None:
                try:
                    self._notify_conn.close()
                except Exception:
                    log.debug("notify connection close failed", exc_info=True)
                self._notify_conn = None

    def _notify(self) -> None:
        """``NOTIFY`` on one reused autocommit connection; a failure only delays the wake-up to the re-sync."""
        import psycopg

        dsn = self.pg_dsn or ""
        with self._notify_lock:
            for _attempt in (1, 2):
                try:
                    if self._notify_conn is None or self._notify_conn.closed:
                        self._notify_conn = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
                    self._notify_conn.execute(f"NOTIFY {PG_CHANNEL}")
                    return
                except psycopg.Error:
                    self._notify_conn = None  # reconnect once (the server restarted, say)
            log.warning("could not notify the scheduler; the periodic re-sync catches up")

    def _listen_pg(self) -> None:
        import psycopg

        dsn = self.pg_dsn or ""
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {PG_CHANNEL}")
                    self._pg_outage.recovered("scheduler wake-ups: listening again")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            if self._callback is not None:
                                self._callback()
            except psycopg.Error as error:  # a database blip: listen again; the periodic re-sync covers the gap
                self._pg_outage.failed(error)
                self._stop.wait(1.0)

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
                    self._redis_outage.recovered("scheduler wake-ups: redis reachable again")
                message = pubsub.get_message(timeout=1.0)
                if message is not None and self._callback is not None:
                    self._callback()
            except Exception as error:  # Redis blip: resubscribe; the periodic re-sync covers the gap
                self._redis_outage.failed(error)
                pubsub = None
                self._stop.wait(1.0)
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:
                log.debug("pubsub close failed", exc_info=True)


def _libpq_dsn(database_url: str) -> str | None:
    """The libpq form of a PostgreSQL SQLAlchemy URL (``postgresql+psycopg://`` …); None for other databases."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return str(url.set(drivername="postgresql").render_as_string(hide_password=False))
