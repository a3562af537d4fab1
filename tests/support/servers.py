"""Real PostgreSQL and Redis servers on loopback for the test session, started from local binaries."""

from tests.support.postgres_server import PostgresServer, find_postgres_bindir
from tests.support.processes import MissingServerBinary
from tests.support.redis_server import RedisServer, find_redis_server

__all__ = [
    "MissingServerBinary",
    "PostgresServer",
    "RedisServer",
    "find_postgres_bindir",
    "find_redis_server",
]
