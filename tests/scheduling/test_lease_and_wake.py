"""Leader leases (Redis, PostgreSQL, in-process) and cross-process wake-ups."""

from __future__ import annotations

import threading
from collections.abc import Callable

import redis
from sqlalchemy import text

from bot.scheduling.lease import LocalLease, PostgresLease, RedisAndPostgresLease, RedisLease, lease_for
from bot.scheduling.wake import Waker
from tests.harness import wait_until
from tests.support.servers import RedisServer


def test_redis_lease_is_exclusive_renewable_and_expires(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        first, second = RedisLease(client, ttl=1.0), RedisLease(client, ttl=1.0)
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.renew()
        # The holder dies (stops renewing): the lease expires and the standby gets it.
        wait_until(second.try_acquire, timeout=5, interval=0.2, what="the lease to expire")
        assert not first.renew()
        second.release()
        assert first.try_acquire()
        first.release()
    finally:
        client.close()


def test_with_redis_and_postgres_one_leader_leads_on_postgres_alone_while_redis_is_down(
    postgres_url: str, make_redis_server: Callable[[], RedisServer]
) -> None:
    server = make_redis_server()
    client = redis.Redis.from_url(server.url, socket_timeout=1, socket_connect_timeout=1)
    assert isinstance(lease_for(postgres_url, client), RedisAndPostgresLease)
    first, second = (RedisAndPostgresLease(RedisLease(client, ttl=2.0), PostgresLease(postgres_url)) for _ in "ab")
    try:
        assert first.try_acquire() and first.holds_redis
        assert not second.try_acquire()
        server.kill()
        assert first.renew() and not first.holds_redis  # still the leader, on the advisory lock
        assert not second.try_acquire() and not second.try_acquire()  # and still the only one
        server.start()
        assert first.renew() and first.holds_redis  # the Redis lock is taken again
        # A leader gone from PostgreSQL but whose Redis lock has not expired yet keeps a standby waiting.
        first.database.release()
        assert not second.try_acquire() and second.database.conn is None
        wait_until(second.try_acquire, timeout=6, interval=0.2, what="the vanished leader's Redis lock to expire")
        assert second.holds_redis and not first.renew()
    finally:
        first.release()
        second.release()
        client.close()


def test_postgres_lease_is_exclusive_and_freed_when_the_holder_goes(postgres_url: str) -> None:
    first, second = PostgresLease(postgres_url), PostgresLease(postgres_url)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.renew()
        first._drop()  # the connection dies with its process
        # The server frees the lock as the backend exits, a moment after the client closes.
        wait_until(second.try_acquire, timeout=5, interval=0.05, what="the lock to be freed")
        assert not first.renew()
    finally:
        first.release()
        second.release()


def test_postgres_lease_renewal_reports_a_lock_lost_on_a_live_connection(postgres_url: str) -> None:
    lease, standby = PostgresLease(postgres_url), PostgresLease(postgres_url)
    try:
        assert lease.try_acquire() and lease.renew()
        assert lease.conn is not None
        # The session lives on but no longer holds the lock (unlocked behind the lease's back).
        lease.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lease.key})
        lease.conn.commit()
        assert standby.try_acquire()
        assert not lease.renew()
        assert standby.renew()
    finally:
        lease.release()
        standby.release()


def test_postgres_lease_connection_detects_a_vanished_peer_within_seconds(postgres_url: str) -> None:
    lease = PostgresLease(postgres_url)
    try:
        assert lease.try_acquire() and lease.conn is not None
        # The client side (libpq): keepalives and a TCP user timeout on the lease's socket.
        dsn = lease.conn.connection.dbapi_connection.info.dsn
        for setting in ("keepalives=1", "keepalives_idle=4", "keepalives_interval=2", "keepalives_count=3",
                        "tcp_user_timeout=9000"):
            assert setting in dsn
        # The server side of the session: PostgreSQL drops a vanished leader (and frees the lock) in ~10 s.
        shown = {name: lease.conn.execute(text(f"SHOW {name}")).scalar() for name in
                 ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count", "tcp_user_timeout")}
        if lease.conn.execute(text("SELECT inet_server_addr() IS NOT NULL")).scalar():  # TCP, not a socket
            assert shown == {"tcp_keepalives_idle": "4", "tcp_keepalives_interval": "2",
                             "tcp_keepalives_count": "3", "tcp_user_timeout": "9000"}
        lease.conn.commit()
    finally:
        lease.release()


def test_local_lease_is_exclusive_per_database() -> None:
    first, second, other = LocalLease("db-a"), LocalLease("db-a"), LocalLease("db-b")
    assert first.try_acquire() and not second.try_acquire() and other.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
    other.release()


def test_wake_reaches_a_scheduler_in_another_process_through_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    woken = threading.Event()
    # Different keys stand for two processes: no in-process shortcut, only pub/sub.
    leader, web = Waker("postgresql://db", client), Waker("postgresql://db#web", client)
    try:
        leader.listen(woken.set)
        wait_until(lambda: client.pubsub_numsub("incident-bot:scheduler-wake")[0][1] == 1, what="subscription")
        web.wake()
        assert woken.wait(5)
    finally:
        leader.unlisten()
        client.close()
