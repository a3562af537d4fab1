"""A database out of reach: bounded waits on PostgreSQL, ``DatabaseUnavailable`` from the unit of work,
``StorageUnavailable`` (a friendly ``UserError``) from the use cases' unit of work, real errors untouched.
"""

from __future__ import annotations

import logging
import socket
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.logs import OutageLog
from bot.services.context import ServiceUnitOfWork
from bot.services.errors import StorageUnavailable, UserError
from bot.storage import migrate
from bot.storage.db import (
    CONNECT_TIMEOUT_S,
    STATEMENT_TIMEOUT_MS,
    DatabaseUnavailable,
    UnitOfWork,
    make_engine,
    make_session_factory,
    postgres_connect_args,
)
from bot.storage.models import ProcessedRequest


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg://nobody@127.0.0.1:{port}/none"


def test_postgres_connections_are_bounded_and_the_url_still_has_the_last_word() -> None:
    args = postgres_connect_args("postgresql+psycopg://u@h/db")
    assert args["connect_timeout"] == CONNECT_TIMEOUT_S
    assert f"statement_timeout={STATEMENT_TIMEOUT_MS}" in args["options"]
    own = postgres_connect_args("postgresql+psycopg://u@h/db?connect_timeout=7&options=-c%20search_path%3Dx")
    assert "connect_timeout" not in own  # the URL's own value is used
    assert own["options"].endswith("-c search_path=x") and "statement_timeout" in own["options"]


def test_an_unreachable_database_is_database_unavailable_quickly_and_a_user_error_for_use_cases() -> None:
    engine = make_engine(_closed_port_url())
    try:
        factory = make_session_factory(engine)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), UnitOfWork(factory)() as session:
            session.execute(text("SELECT 1"))
        with pytest.raises(StorageUnavailable) as caught, ServiceUnitOfWork(factory)() as session:
            session.execute(text("SELECT 1"))
        assert time.monotonic() - started < 2 * CONNECT_TIMEOUT_S
        assert isinstance(caught.value, UserError)
        assert str(caught.value) == StorageUnavailable.MESSAGE
    finally:
        engine.dispose()


def test_a_statement_the_database_refuses_is_not_called_unavailable(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    try:
        uow = ServiceUnitOfWork(make_session_factory(engine))
        with uow() as session:
            session.add(ProcessedRequest(key="k"))
        with pytest.raises(IntegrityError), uow() as session:
            session.add(ProcessedRequest(key="k"))
    finally:
        engine.dispose()


def test_an_outage_is_logged_once_and_its_end_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    outage = OutageLog(logging.getLogger("probe"), "probe unavailable")
    outage.recovered("probe back")  # nothing was down
    for _ in range(5):
        outage.failed(ConnectionError("refused\nsecond line"))
    for _ in range(3):
        outage.recovered("probe back")
    outage.failed("again")
    assert [r.getMessage() for r in caplog.records] == [
        "probe unavailable: refused",
        "probe back",
        "probe unavailable: again",
    ]
