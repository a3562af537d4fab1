"""The bot with the alert endpoints switched on (a token per source), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import BotHarness, start_bot

TOKENS = {"alertmanager": "am-token", "datadog": "dd-token", "generic": "gen-token"}


def alert_settings() -> dict[str, str]:
    return {f"alerts_token_{source}": token for source, token in TOKENS.items()}


@pytest.fixture
def alert_bot(database_url: str) -> Iterator[BotHarness]:
    harness = start_bot(database_url, **alert_settings())
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def alert_bot_sqlite(sqlite_url: str) -> Iterator[BotHarness]:
    harness = start_bot(sqlite_url, **alert_settings())
    try:
        yield harness
    finally:
        harness.stop()
