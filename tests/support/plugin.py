"""Pytest plugin: real PostgreSQL and Redis on loopback, a fresh database per test, a database_url on both."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.servers import PostgresServer, RedisServer

_database_numbers = itertools.count(1)
_POSTGRES_FIXTURES = frozenset({"postgres_server", "postgres_url"})


def sqlite_url_for(path: Path) -> str:
    """SQLAlchemy URL of an SQLite file."""
    return f"sqlite+pysqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the whole session; missing binaries are an error, never a skip."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL of a new empty PostgreSQL database, dropped after the test."""
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """SQLAlchemy URL of a new SQLite file in the test's temporary directory."""
    return sqlite_url_for(tmp_path / "incident-bot.db")


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database URL; tests taking it run once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url_for(tmp_path / "incident-bot.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the whole session; a test may kill() it, redis_url restarts it."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """URL of an empty Redis database 0; everything is flushed again after the test."""
    redis_server.reset()
    yield redis_server.url
    redis_server.reset()


@pytest.fixture
def make_redis_server() -> Iterator[Callable[[], RedisServer]]:
    """Factory of private redis-servers (for failover tests); all are stopped after the test."""
    started: list[RedisServer] = []

    def make() -> RedisServer:
        server = RedisServer()
        started.append(server)
        return server.start()

    try:
        yield make
    finally:
        for server in started:
            server.stop()


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker this plugin puts on PostgreSQL tests."""
    config.addinivalue_line("markers", "postgres: runs against the real PostgreSQL server too")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use PostgreSQL directly with `postgres`, like the database_url postgresql case."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & _POSTGRES_FIXTURES and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)
