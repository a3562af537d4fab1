"""GET /metrics after real actions through the Bolt endpoint: every counter moved by exactly what happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.config import get_settings
from bot.container import build_container
from bot.domain.events import SummaryRequested
from bot.emulator.models import Call
from bot.slack import ids
from bot.storage import migrate, outbox
from bot.storage.models import OutboxMessage
from tests.harness import SHIPPED_PLAYBOOKS, BotHarness, wait_until
from tests.scheduling.helpers import fast_bot, nudges, pages, running

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return parse(response.text)


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def slack_outcome(call: Call) -> str:
    if call.ok:
        return "ok"
    if call.status == 429:
        return "ratelimited"
    return "server_error" if call.status >= 500 else "error"


@pytest.fixture
def bot(sqlite_url: str) -> Iterator[BotHarness]:
    yield from running(fast_bot(sqlite_url))


def test_scrape_after_declare_page_escalate_ack_nudge_failure_and_resolve(bot: BotHarness) -> None:
    url = bot.bot_url
    empty = scrape(url)
    assert value(empty, "incident_bot_incidents_open", severity="SEV1") == 0  # every severity, even at 0
    assert value(empty, "incident_bot_incidents_declared_total", severity="SEV1") == 0
    wait_until(lambda: value(scrape(url), "incident_bot_scheduler_is_leader") == 1, what="leader gauge")

    inc = bot.declare("SEV1 payments down")
    wait_until(lambda: pages(bot, "U0BOB"), timeout=10, what="level 1 page")
    bot.settle()
    after_declare = scrape(url)
    assert value(after_declare, "incident_bot_incidents_declared_total", severity="SEV1") == 1
    assert value(after_declare, "incident_bot_incidents_open", severity="SEV1") == 1
    assert value(after_declare, "incident_bot_pages_sent_total", pager="slack") == 1
    assert value(after_declare, "incident_bot_request_ack_seconds_count", kind="command") == 1
    # Level 1 is paged by the declaration's own transaction, not by a scheduled job.
    assert value(after_declare, "incident_bot_scheduler_fire_lag_seconds_count") == 0
    assert value(after_declare, "incident_bot_outbox_pending") == 0
    assert value(after_declare, "incident_bot_outbox_oldest_age_seconds") == 0

    bot.command("escalate", channel=inc.channel_id, user="U0ALICE")
    wait_until(lambda: pages(bot, "U0CAROL"), timeout=10, what="escalated page")
    bot.settle()
    page = pages(bot, "U0CAROL")[0]  # level 1's DM lost its buttons when the page escalated past it
    bot.driver.click_button("U0CAROL", page.channel, page.ts, ids.ACK)
    wait_until(lambda: bot.container.services.incidents.get(inc.id).acknowledged_by, what="the ack")
    bot.settle()
    acked = scrape(url)
    assert value(acked, "incident_bot_escalations_total") == 1
    assert value(acked, "incident_bot_pages_sent_total", pager="slack") == 2
    assert value(acked, "incident_bot_time_to_acknowledge_seconds_count", severity="SEV1") == 1
    took = value(acked, "incident_bot_time_to_acknowledge_seconds_sum", severity="SEV1")
    assert 0 < took < 60
    assert value(acked, "incident_bot_request_ack_seconds_count", kind="block_actions") == 1
    assert value(acked, "incident_bot_request_ack_seconds_count", kind="command") == 2

    # A Slack refusal that retrying cannot fix: the delivery is given up and counted.
    bot.workspace.fail_next("chat.postMessage", "channel_not_found", http_status=200)
    bot.command("update identified bad deploy", channel=inc.channel_id)
    wait_until(lambda: value(scrape(url), "incident_bot_outbox_failed_total") == 1, what="failure counted")
    with bot.container.uow() as session:
        assert session.query(OutboxMessage).filter_by(state="dead").count() == 1

    # A reminder for an incident nobody updates (SEV2: every 3 s).
    quiet = bot.declare("SEV2 slow search")
    wait_until(lambda: nudges(bot, quiet.channel_id), timeout=12, what="a reminder")
    bot.settle()
    reminded = scrape(url)
    assert value(reminded, "incident_bot_nudges_sent_total") == len(nudges(bot, quiet.channel_id)) >= 1
    assert value(reminded, "incident_bot_incidents_open", severity="SEV2") == 1
    assert value(reminded, "incident_bot_scheduler_fire_lag_seconds_count") >= 1  # the reminder was a job

    bot.command("resolve rolled back", channel=inc.channel_id)
    bot.settle()
    final = scrape(url)
    assert value(final, "incident_bot_incidents_open", severity="SEV1") == 0
    assert value(final, "incident_bot_incidents_declared_total", severity="SEV1") == 1

    # Every Web API call the emulator answered is counted once, by method and outcome, and timed.
    seen = Counter((c.method, slack_outcome(c)) for c in bot.workspace.calls)
    assert ("chat.postMessage", "error") in seen
    for (method, outcome), n in seen.items():
        assert value(final, "incident_bot_slack_api_calls_total", method=method, outcome=outcome) == n
    for method in {m for m, _ in seen}:
        total = sum(n for (m, _), n in seen.items() if m == method)
        assert value(final, "incident_bot_slack_api_seconds_count", method=method) == total


def test_rate_limited_calls_are_counted_as_such(bot_sqlite: BotHarness) -> None:
    bot_sqlite.workspace.fail_next("conversations.create", "ratelimited", http_status=429, retry_after=1)
    bot_sqlite.declare("SEV2 checkout flaky")
    samples = scrape(bot_sqlite.bot_url)
    labels = {"method": "conversations.create"}
    assert value(samples, "incident_bot_slack_api_calls_total", outcome="ratelimited", **labels) == 1
    assert value(samples, "incident_bot_slack_api_calls_total", outcome="ok", **labels) == 1


def test_replicas_report_the_same_shared_state_read_from_the_database(database_url: str) -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    replicas = []
    for _ in range(2):
        settings = get_settings(
            _env_file=None,
            database_url=database_url,
            slack_bot_token="xoxb-x",
            slack_signing_secret="s",
            playbooks_dir=SHIPPED_PLAYBOOKS,
        )
        replicas.append(build_container(settings, clock=lambda: now))
    try:
        migrate.upgrade(replicas[0].engine)
        with replicas[0].uow() as session:
            for _ in range(2):
                outbox.enqueue(session, None, SummaryRequested())
            for message, age in zip(session.query(OutboxMessage).order_by(OutboxMessage.id), (90, 30), strict=True):
                message.created_at = now - timedelta(seconds=age)
        scrapes = [parse(r.metrics.render()[0].decode()) for r in replicas]
        for samples in scrapes:
            assert value(samples, "incident_bot_outbox_pending") == 2
            assert value(samples, "incident_bot_outbox_oldest_age_seconds") == 90
        # Nothing was counted in either process: the counters are per process, the gauges shared.
        assert value(scrapes[1], "incident_bot_incidents_declared_total", severity="SEV1") == 0
    finally:
        for replica in replicas:
            replica.close()


def test_a_scrape_during_a_database_outage_still_serves_the_process_counters() -> None:
    settings = get_settings(
        _env_file=None,
        database_url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1",
        slack_bot_token="xoxb-x",
        slack_signing_secret="s",
        playbooks_dir=SHIPPED_PLAYBOOKS,
    )
    container = build_container(settings)
    try:
        container.metrics.incidents_declared.labels("SEV1").inc()
        samples = parse(container.metrics.render()[0].decode())
        assert value(samples, "incident_bot_incidents_declared_total", severity="SEV1") == 1
        assert ("incident_bot_outbox_pending", ()) not in samples
    finally:
        container.close()


def test_statements_counter_moves_by_the_statements_the_process_ran(bot: BotHarness) -> None:
    before = value(scrape(bot.bot_url), "incident_bot_db_statements_total")
    with bot.container.uow() as session:
        session.execute(select(OutboxMessage.id)).all()
        session.execute(select(OutboxMessage.id)).all()
    after = value(scrape(bot.bot_url), "incident_bot_db_statements_total")
    # The two reads above, plus whatever the background threads ran meanwhile (never fewer).
    assert after - before >= 2
