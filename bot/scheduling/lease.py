"""Leader leases for one active scheduler: Redis lock, PostgreSQL advisory lock, or in-process."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from bot.logs import OutageLog

log = logging.getLogger(__name__)

LEASE_NAME = "incident-bot:scheduler-leader"
# Any constant works; every replica must agree on it.
ADVISORY_KEY = 0x1_5EED_5C4ED

# The lease connection notices a vanished peer in about 10 s on both ends: libpq's keepalives and TCP user
# timeout let the leader see a dead server (and step down), and the same settings for the server's end of the
# session let PostgreSQL drop a vanished leader's connection, and with it the lock, well within the 15 s a
# standby may wait (it polls every 2 s).
KEEPALIVE_IDLE_S = 4
KEEPALIVE_INTERVAL_S = 2
KEEPALIVE_COUNT = 3
TCP_USER_TIMEOUT_MS = 9000
LIBPQ_KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": KEEPALIVE_IDLE_S,
    "keepalives_interval": KEEPALIVE_INTERVAL_S,
    "keepalives_count": KEEPALIVE_COUNT,
    "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
    "connect_timeout": 5,
}
SERVER_KEEPALIVES = " ".join(
    f"-c {name}={value}"
    for name, value in (
        ("tcp_keepalives_idle", KEEPALIVE_IDLE_S),
        ("tcp_keepalives_interval", KEEPALIVE_INTERVAL_S),
        ("tcp_keepalives_count", KEEPALIVE_COUNT),
        ("tcp_user_timeout", TCP_USER_TIMEOUT_MS),
        ("statement_timeout", 5000),
    )
)
# pg_locks shows a bigint advisory key as two 32-bit halves (classid, objid) with objsubid 1.
HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1)"
)


class Lease(Protocol):
    """A lock one process holds while it runs the scheduler."""

    def try_acquire(self) -> bool: ...

    def renew(self) -> bool: ...

    def release(self) -> None: ...


class RedisLease:
    """redis-py ``Lock`` with a TTL, extended while held; a dead holder's lock expires in ``ttl`` s."""

    def __init__(
        self,
        client: Any,
        ttl: float = 10.0,
        name: str = LEASE_NAME,
        unavailable: str = "leader lease: redis unavailable; no scheduler runs here until it is back",
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.lock = client.lock(name, timeout=ttl, blocking=False, thread_local=False)
        self.outage = OutageLog(log, unavailable)

    def try_acquire(self) -> bool:
        try:
            got = bool(self.lock.acquire(blocking=False))
        except Exception as error:  # Redis unreachable: not the leader
            self.outage.failed(error)
            return False
        self.outage.recovered("leader lease: redis reachable again")
        return got

    def renew(self) -> bool:
        try:
            return bool(self.lock.extend(self.ttl, replace_ttl=True))
        except Exception as error:  # LockNotOwnedError, LockError or a connection error: the lease is lost
            log.warning("leader lease: could not renew the redis lock: %s", error)
            return False

    def release(self) -> None:
        try:
            self.lock.release()
        except Exception:  # already expired or taken over: nothing to release
            log.info("leader lease: nothing to release")


class PostgresLease:
    """``pg_try_advisory_lock`` on a dedicated connection; the server frees it when the holder dies."""

    def __init__(self, url: str, key: int = ADVISORY_KEY) -> None:
        self.engine = create_engine(
            url, poolclass=NullPool, connect_args={**LIBPQ_KEEPALIVES, "options": SERVER_KEEPALIVES}
        )
        self.key = key
        self.conn: Connection | None = None
        self.outage = OutageLog(log, "leader lease: the database is unavailable; trying again every few seconds")

    def try_acquire(self) -> bool:
        try:
            if self.conn is None:
                self.conn = self.engine.connect()
            got = bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            self.conn.commit()
        except Exception as error:  # database unreachable: not the leader
            self.outage.failed(error)
            self._drop()
            return False
        self.outage.recovered("leader lease: the database is reachable again")
        return got

    def renew(self) -> bool:
        """True while this session still holds the advisory lock (checked in ``pg_locks``, not just alive)."""
        if self.conn is None:
            return False
        try:
            held = bool(self.conn.execute(HOLDS_LOCK, {"hi": self.key >> 32, "lo": self.key & 0xFFFFFFFF}).scalar())
            self.conn.commit()
        except Exception as error:  # the connection (and with it the lock) is gone
            lines = str(error).strip().splitlines()
            log.warning("leader lease: connection lost: %s", lines[0] if lines else type(error).__name__)
            self._drop()
            return False
        if not held:
            log.warning("leader lease: the advisory lock is no longer held by this session")
            self._drop()
        return held

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self.conn.commit()
            except Exception:  # closing the connection frees the lock anyway
                log.info("leader lease: unlock failed; closing the connection")
        self._drop()
        self.engine.dispose()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # already broken
                log.debug("leader lease: close failed", exc_info=True)
            self.conn = None


class RedisAndPostgresLease:
    """Redis beside PostgreSQL: the advisory lock makes the leader, so a scheduler runs while Redis is down.

    The leader always holds the PostgreSQL advisory lock (which alone keeps leaders exclusive) and the Redis
    lock as well while Redis answers. A replica that gets the advisory lock but finds the Redis lock held
    elsewhere (a leader that vanished, until its TTL runs out) lets go and stands by. While Redis is down the
    leader keeps leading on the advisory lock, and takes the Redis lock again once Redis is back.
    """

    def __init__(self, redis_lease: RedisLease, database: PostgresLease) -> None:
        self.redis = redis_lease
        self.database = database
        self.holds_redis = False

    def try_acquire(self) -> bool:
        if not self.database.try_acquire():
            return False
        self.holds_redis = self.redis.try_acquire()
        if self.holds_redis or self.redis.outage.down:
            return True
        self.database.release()  # Redis answers and another replica holds its lock
        return False

    def renew(self) -> bool:
        if not self.database.renew():
            self.release()
            return False
        if self.holds_redis:
            self.holds_redis = self.redis.renew()
        else:
            self.holds_redis = self.redis.try_acquire()
        return True

    def release(self) -> None:
        if self.holds_redis:
            self.redis.release()
            self.holds_redis = False
        self.database.release()


_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


class LocalLease:
    """An in-process lock per database (SQLite deployments run one process)."""

    def __init__(self, name: str) -> None:
        with _local_guard:
            self.lock = _local_locks.setdefault(name, threading.Lock())
        self.held = False

    def try_acquire(self) -> bool:
        if not self.held:
            self.held = self.lock.acquire(blocking=False)
        return self.held

    def renew(self) -> bool:
        return self.held

    def release(self) -> None:
        if self.held:
            self.held = False
            self.lock.release()


def lease_for(database_url: str, redis_client: Any) -> Lease:
    if redis_client is not None and database_url.startswith("postgresql"):
        alone = "leader lease: redis unavailable; leading on the PostgreSQL advisory lock alone until it is back"
        return RedisAndPostgresLease(RedisLease(redis_client, unavailable=alone), PostgresLease(database_url))
    if redis_client is not None:
        return RedisLease(redis_client)
    if database_url.startswith("postgresql"):
        return PostgresLease(database_url)
    return LocalLease(database_url)
