"""The status page reader: one read per period, the last page shown while the database is unreachable."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, request

from bot.domain.publication import StatusPageCatalog
from bot.playbooks.loader import load_playbooks
from bot.services.context import utc_now
from bot.services.status_page import StatusPageReader, StatusPageUnavailable
from bot.status_page.views import status_response
from bot.storage import migrate
from bot.storage.db import UnitOfWork, make_engine, make_session_factory

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")
# Nothing listens on port 1: every connection is refused at once.
UNREACHABLE = "postgresql+psycopg://nobody:nothing@127.0.0.1:1/none?connect_timeout=1"


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _catalog() -> StatusPageCatalog:
    return PLAYBOOKS.statuspage


def test_an_unreachable_database_shows_the_last_page_read(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    ticker = Ticker()
    reader = StatusPageReader(UnitOfWork(make_session_factory(engine)), _catalog, utc_now, "Acme", 5.0, ticker)
    first = reader.page()
    assert first.overall_label == "All systems operational"
    down = make_engine(UNREACHABLE)
    reader.uow = UnitOfWork(make_session_factory(down))
    ticker.now += 6
    assert reader.page() is first  # stale, but a page
    assert reader.page() is first
    down.dispose()
    engine.dispose()


def test_before_any_read_an_unreachable_database_is_said(sqlite_url: str) -> None:
    down = make_engine(UNREACHABLE)
    reader = StatusPageReader(UnitOfWork(make_session_factory(down)), _catalog, utc_now)
    with pytest.raises(StatusPageUnavailable):
        reader.page()
    with Flask("probe").test_request_context("/status"):
        answer = status_response(reader, request, "html", enabled=True, public_url=None)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert b"temporarily unavailable" in answer.get_data()
    down.dispose()
