"""The router: one table of routes, Bolt behind /slack/events, unknown paths and methods refused."""

from __future__ import annotations

import requests

from bot.web import HEALTH_PATH, METRICS_PATH, ROUTES, create_metrics_app
from tests.harness import BotHarness


def test_the_route_table_names_every_route_once() -> None:
    paths = [r.path for r in ROUTES]
    assert len(paths) == len(set(paths))
    assert {"/slack/events", HEALTH_PATH, METRICS_PATH} <= set(paths)


def test_routes_answer_and_everything_else_is_refused(bot_sqlite: BotHarness) -> None:
    url = bot_sqlite.bot_url
    assert requests.get(url + HEALTH_PATH, timeout=5).json() == {"status": "ok"}
    assert requests.get(url + "/nope", timeout=5).status_code == 404
    assert requests.get(url + "/slack/events", timeout=5).status_code == 405
    assert requests.post(url + HEALTH_PATH, timeout=5).status_code == 405
    # Bolt still checks signatures behind the router.
    assert requests.post(url + "/slack/events", data="x", timeout=5).status_code == 401
    response = bot_sqlite.command("help")
    assert response.status_code == 200


def test_the_metrics_app_serves_only_metrics(bot_sqlite: BotHarness) -> None:
    client = create_metrics_app(bot_sqlite.container).test_client()
    scrape = client.get(METRICS_PATH)
    assert scrape.status_code == 200 and scrape.content_type.startswith("text/plain")
    assert b"incident_bot_incidents_open" in scrape.data
    assert client.get(HEALTH_PATH).status_code == 404
    assert client.post("/slack/events").status_code == 404
