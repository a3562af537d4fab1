"""GET /readyz names each check and what failed (503); GET /healthz is liveness and never asks the database."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import requests
from alembic.script import ScriptDirectory

from bot.storage import migrate
from bot.web import HEALTH_PATH, READY_PATH
from tests.harness import BotHarness, start_bot, wait_until
from tests.support.servers import RedisServer


def ready(bot: BotHarness) -> requests.Response:
    return requests.get(bot.bot_url + READY_PATH, timeout=5)


def alive(bot: BotHarness) -> int:
    return requests.get(bot.bot_url + HEALTH_PATH, timeout=5).status_code


def test_readyz_is_200_and_names_every_check_when_all_pass(bot: BotHarness) -> None:
    response = ready(bot)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert set(body["checks"]) == {"database", "migrations", "playbooks"}  # no Redis configured
    assert all(check["ok"] for check in body["checks"].values())
    assert "at head" in body["checks"]["migrations"]["detail"]
    assert "severities" in body["checks"]["playbooks"]["detail"]


def test_readyz_is_503_until_the_migrations_reach_head(bot_sqlite: BotHarness) -> None:
    [head] = migrate.head_revisions()
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    migrate.downgrade(bot_sqlite.container.engine, previous)

    response = ready(bot_sqlite)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["failed"] == ["migrations"]
    detail = body["checks"]["migrations"]["detail"]
    assert previous in detail and head in detail and "incident-bot db upgrade" in detail
    assert body["checks"]["database"]["ok"]
    assert alive(bot_sqlite) == 200

    migrate.upgrade(bot_sqlite.container.engine)
    assert ready(bot_sqlite).status_code == 200


def test_redis_down_fails_readiness_falls_back_to_the_database_and_is_logged_once(
    sqlite_url: str, make_redis_server: Callable[[], RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = make_redis_server()
    bot = start_bot(sqlite_url, redis_url=server.url)
    try:
        body = ready(bot).json()
        assert body["checks"]["redis"] == {"ok": True, "detail": "reachable"}
        general = bot.workspace.channel_by_name("general").id
        caplog.set_level(logging.INFO)

        server.kill()
        response = ready(bot)
        assert response.status_code == 503 and response.json()["failed"] == ["redis"]
        assert alive(bot) == 200
        # Events are still de-duplicated, in the database: a retry of one is dropped, a new one is not.
        first = bot.driver.user_joins("U0BOB", general)
        again = bot.driver.send_event(
            {"type": "member_joined_channel", "user": "U0BOB", "channel": general},
            retry_num=1,
            event_id=bot.driver.last_event_id,
        )
        assert first.status_code == 200 and again.status_code == 200
        assert again.headers.get("X-Slack-No-Retry") == "1"
        for _ in range(3):
            assert bot.driver.user_joins("U0CAROL", general).status_code == 200
        assert bot.command("help").status_code == 200
        down = [r for r in caplog.records if "redis unavailable for de-duplication" in r.getMessage()]
        assert len(down) == 1, [r.getMessage() for r in down]

        server.start()
        wait_until(lambda: ready(bot).status_code == 200, what="ready again with redis back")
        assert bot.driver.user_joins("U0DAVE", general).status_code == 200
        assert bot.driver.user_joins("U0ERIN", general).status_code == 200
        back = [r for r in caplog.records if "redis reachable again: de-duplicating" in r.getMessage()]
        assert len(back) == 1
        assert len([r for r in caplog.records if "redis unavailable for de-duplication" in r.getMessage()]) == 1
    finally:
        bot.stop()
