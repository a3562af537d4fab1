"""POST /alerts/<source> through the real HTTP server: tokens, sizes and shapes, and what reaches the queue."""

from __future__ import annotations

from collections.abc import Iterator

import requests

from bot.alerts.intake import MAX_BODY
from tests.alerts import payloads as p
from tests.alerts.helpers import post_alert, queued
from tests.harness import BotHarness, start_bot
from tests.web.test_metrics import scrape


def test_each_source_is_accepted_with_202_and_queued(alert_bot: BotHarness) -> None:
    for source, body in (("alertmanager", p.ALERTMANAGER), ("datadog", p.DATADOG), ("generic", p.GENERIC)):
        response = post_alert(alert_bot, source, body)
        assert response.status_code == 202, response.text
        assert response.json()["alerts"] == 1
    rows = queued(alert_bot)
    assert [r.source for r in rows] == ["alertmanager", "datadog", "generic"]
    assert rows[2].body == p.raw(p.GENERIC).decode()
    samples = scrape(alert_bot.bot_url)
    assert samples[("incident_bot_alerts_accepted_total", (("source", "generic"),))] == 1


def test_wrong_or_missing_token_is_401_and_records_nothing(alert_bot_sqlite: BotHarness) -> None:
    bot = alert_bot_sqlite
    assert post_alert(bot, "generic", p.GENERIC, token=None).status_code == 401
    assert post_alert(bot, "generic", p.GENERIC, token="gen-tokeN").status_code == 401
    assert post_alert(bot, "generic", p.GENERIC, token="am-token").status_code == 401  # another source's
    basic = post_alert(bot, "generic", p.GENERIC, token=None, headers={"Authorization": "Basic Z2VuLXRva2Vu"})
    assert basic.status_code == 401 and "bearer token" in basic.json()["error"]
    assert queued(bot) == []
    samples = scrape(bot.bot_url)
    assert samples[("incident_bot_alerts_refused_total", (("reason", "unauthorized"), ("source", "generic")))] == 4


def test_a_source_without_a_token_is_404(sqlite_url: str) -> None:
    bot = start_bot(sqlite_url, alerts_token_generic="only-generic")
    try:
        assert post_alert(bot, "datadog", p.DATADOG, token="anything").status_code == 404
        assert post_alert(bot, "nosuch", p.GENERIC, token="anything").status_code == 404
        assert post_alert(bot, "generic", p.GENERIC, token="only-generic").status_code == 202
        assert requests.get(f"{bot.bot_url}/alerts/generic", timeout=5).status_code == 405
    finally:
        bot.stop()


def test_bad_bodies_are_400_with_a_reason(alert_bot_sqlite: BotHarness) -> None:
    bot = alert_bot_sqlite
    bad = post_alert(bot, "generic", b"{\"name\": ")
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]
    shape = post_alert(bot, "alertmanager", p.GENERIC)
    assert shape.status_code == 400 and shape.json()["error"] == "an Alertmanager payload needs an `alerts` list"
    status = post_alert(bot, "generic", p.generic(status="on fire"))
    assert status.status_code == 400 and "firing" in status.json()["error"]
    assert queued(bot) == []


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(64 * 1024, total - sent)
        sent += piece
        yield b" " * piece


def test_bodies_over_1_mb_are_413(alert_bot_sqlite: BotHarness) -> None:
    bot = alert_bot_sqlite
    big = p.raw(p.generic(summary="x" * MAX_BODY))
    assert post_alert(bot, "generic", big).status_code == 413  # Content-Length says so
    # Without a Content-Length (chunked), the read itself stops at the limit.
    chunked = requests.post(
        f"{bot.bot_url}/alerts/generic",
        data=_chunks(MAX_BODY + 10),
        headers={"Authorization": "Bearer gen-token"},
        timeout=10,
    )
    assert chunked.status_code == 413
    # Exactly the limit is still read and judged by its shape.
    padded = p.raw(p.GENERIC)
    padded += b" " * (MAX_BODY - len(padded))
    assert post_alert(bot, "generic", padded).status_code == 202
    assert len(queued(bot)) == 1


def test_the_read_itself_is_limited_when_no_length_is_given(alert_bot_sqlite: BotHarness) -> None:
    asked: list[int] = []

    def read(size: int) -> bytes:
        asked.append(size)
        return b" " * size

    answer = alert_bot_sqlite.container.alerts.receive("generic", "Bearer gen-token", None, read)
    assert answer.status == 413 and asked == [MAX_BODY + 1]
    assert queued(alert_bot_sqlite) == []
