"""Alerts through the real HTTP server to Slack: declare, de-duplicate, group, resolve, notify, page, ignore."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.slack import ids
from bot.storage.alert_models import AlertQueueItem
from bot.storage.models import TimelineEntry
from tests.alerts import payloads as p
from tests.alerts.conftest import alert_settings
from tests.alerts.helpers import post_alert
from tests.harness import SHIPPED_PLAYBOOKS, BotHarness, find_block, find_button, shows, start_bot, wait_until
from tests.web.test_metrics import scrape

RULES = """
rules:
  - name: payments-down
    match: {source: alertmanager, alert: "Payments*", labels: {env: prod}}
    action: declare
    severity: SEV1
    title: "{alert}: {summary}"
    runbook: payment-failure
    group_by: [service]
    group_window: 30m
  - name: disk
    match: {alert: "Disk*"}
    action: page
    escalation: default
  - name: staging
    match: {labels: {env: staging}}
    action: ignore
  - name: by-severity
    match: {source: generic}
    action: declare
    from_label: severity
    severity_map: {critical: SEV1, warning: SEV3}
    severity: SEV2
    title: "{service}: {alert}"
default: {action: notify}
"""


def alert_playbooks(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, target)
    (target / "alerts.yaml").write_text(RULES)
    return target


@pytest.fixture
def routed(database_url: str, tmp_path: Path) -> Iterator[BotHarness]:
    bot = start_bot(database_url, playbooks_dir=alert_playbooks(tmp_path), alerts_poll_seconds=0.2, **alert_settings())
    try:
        yield bot
    finally:
        bot.stop()


@pytest.fixture
def routed_sqlite(sqlite_url: str, tmp_path: Path) -> Iterator[BotHarness]:
    bot = start_bot(sqlite_url, playbooks_dir=alert_playbooks(tmp_path), alerts_poll_seconds=0.2, **alert_settings())
    try:
        yield bot
    finally:
        bot.stop()


def settled(bot: BotHarness, timeout: float = 20) -> list[AlertQueueItem]:
    """Wait until the worker settled every queued body and the outbox is empty; the rows."""

    def done() -> list[AlertQueueItem] | None:
        with bot.container.uow() as session:
            rows = list(session.execute(select(AlertQueueItem).order_by(AlertQueueItem.id)).scalars())
        return rows if rows and all(r.state != "pending" for r in rows) else None

    rows = wait_until(done, timeout=timeout, what="the alert worker to settle the queue")
    bot.settle(timeout)
    return rows


def card(bot: BotHarness, incident_id: int) -> object:
    inc = bot.container.services.incidents.get(incident_id)
    assert inc.channel_id and inc.card_ts
    message = bot.workspace.message(inc.channel_id, inc.card_ts)
    assert message is not None
    return message


def timeline(bot: BotHarness, incident_id: int) -> list[TimelineEntry]:
    with bot.container.uow() as session:
        stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id).order_by(TimelineEntry.id)
        return list(session.execute(stmt).scalars())


def test_declare_then_repeat_group_and_resolve(routed: BotHarness) -> None:
    bot = routed
    assert post_alert(bot, "alertmanager", p.ALERTMANAGER).status_code == 202
    settled(bot)
    [incident] = bot.container.services.incidents.list_open()
    assert incident.reporter_id == "alert: alertmanager" and incident.severity.id == "SEV1"
    assert incident.title == "PaymentsErrorRate: Payment API error rate above 5%"
    assert [a.runbook.id for a in bot.container.services.runbooks.attached_for(incident.id)] == ["payment-failure"]
    alerts = find_block(card(bot, incident.id), "alerts")
    assert shows(alerts, "PaymentsErrorRate", "alert fired 1 time", "`env=prod`", "still firing")
    assert "<http://prometheus:9090/graph" in alerts["text"]["text"]  # the alert's link
    assert shows(card(bot, incident.id), "alert: alertmanager")  # the reporter, not a mention
    [entry] = [e for e in timeline(bot, incident.id) if e.kind == "alert"]
    assert entry.data["url"].startswith("http://prometheus") and entry.data["labels"]["service"] == "payments"

    # The same alert again (Alertmanager's repeat_interval): counted, never declared again.
    for _ in range(2):
        assert post_alert(bot, "alertmanager", p.ALERTMANAGER).status_code == 202
    settled(bot)
    assert [i.id for i in bot.container.services.incidents.list_open()] == [incident.id]
    assert shows(find_block(card(bot, incident.id), "alerts"), "alert fired 3 times")
    assert [e.text for e in timeline(bot, incident.id) if e.kind == "alert_fired"] == [
        "Alert PaymentsErrorRate fired again (2 times)", "Alert PaymentsErrorRate fired again (3 times)",
    ]

    # Another alert of the same service joins the incident (group_by: service, within 30m).
    latency = p.alertmanager("PaymentsLatency", fingerprint="aa11", env="prod", service="payments")
    assert post_alert(bot, "alertmanager", latency).status_code == 202
    settled(bot)
    assert [i.id for i in bot.container.services.incidents.list_open()] == [incident.id]
    assert shows(find_block(card(bot, incident.id), "alerts"), "4 times", "2 alerts grouped here", "2 of 2 still firing")
    assert [e.kind for e in timeline(bot, incident.id)].count("alert_grouped") == 1

    # Resolved alerts say so in the channel, with a Resolve incident button; the incident stays open.
    resolved = p.alertmanager(status="resolved")
    assert post_alert(bot, "alertmanager", resolved).status_code == 202
    settled(bot)
    channel = str(incident.channel_id)
    [note] = [m for m in bot.messages(channel) if shows(m, "Alert resolved: *PaymentsErrorRate*")]
    assert find_button(note, ids.RESOLVE)["value"] == str(incident.id)
    assert find_button(note, ids.RESOLVE)["text"]["text"] == "Resolve incident"
    assert bot.container.services.incidents.get(incident.id).status.is_open
    assert shows(find_block(card(bot, incident.id), "alerts"), "1 of 2 still firing")
    post_alert(bot, "alertmanager", p.alertmanager("PaymentsLatency", fingerprint="aa11", status="resolved",
                                                   env="prod", service="payments"))
    settled(bot)
    assert shows(find_block(card(bot, incident.id), "alerts"), "All 2 alerts have resolved")
    assert any(shows(m, "Every alert of this incident is resolved") for m in bot.messages(channel))
    assert bot.container.services.incidents.get(incident.id).status.is_open  # never resolved by an alert

    samples = scrape(bot.bot_url)
    assert samples[("incident_bot_alerts_deduplicated_total", (("source", "alertmanager"),))] == 2
    assert samples[("incident_bot_alerts_grouped_total", (("source", "alertmanager"),))] == 1
    assert samples[("incident_bot_alerts_routed_total", (("action", "declare"), ("source", "alertmanager")))] == 1
    assert samples[("incident_bot_alerts_accepted_total", (("source", "alertmanager"),))] == 6


def test_severity_comes_from_the_label_through_the_map(routed_sqlite: BotHarness) -> None:
    bot = routed_sqlite
    post_alert(bot, "generic", p.generic(fingerprint="a", name="checkout 5xx", severity="critical"))
    post_alert(bot, "generic", p.generic(fingerprint="b", name="search slow", labels={"service": "search", "severity": "warning"}))
    post_alert(bot, "generic", p.generic(fingerprint="c", name="cart odd", severity=None, labels={"service": "cart"}))
    settled(bot)
    found = {i.title: i.severity.id for i in bot.container.services.incidents.list_open()}
    assert found == {"checkout: checkout 5xx": "SEV1", "search: search slow": "SEV3", "cart: cart odd": "SEV2"}


def test_notify_posts_a_declare_button_that_declares_as_the_clicker(routed_sqlite: BotHarness) -> None:
    bot = routed_sqlite
    post_alert(bot, "datadog", p.DATADOG)
    post_alert(bot, "datadog", p.DATADOG)  # no incident yet: each firing is a notice
    settled(bot)
    assert bot.container.services.incidents.list_open() == []
    broadcast = bot.workspace.channel_by_name("incidents")
    assert broadcast is not None
    first, second = [m for m in bot.messages(broadcast.id) if shows(m, "Alert firing")]
    assert shows(first, "Payments error rate high", "`env=prod`")
    button = find_button(first, ids.ALERT_DECLARE)
    bot.driver.click_button("U0BOB", broadcast.id, first.ts, ids.ALERT_DECLARE, button["value"])
    incident = wait_until(lambda: next(iter(bot.container.services.incidents.list_open()), None), what="incident")
    bot.settle()
    assert incident.reporter_id == "U0BOB" and incident.title == "Payments error rate high: Error rate 7.2% > 5% on payments"
    assert shows(find_block(card(bot, incident.id), "alerts"), "Payments error rate high", "alert fired 1 time")
    edited = bot.workspace.message(broadcast.id, first.ts)
    assert edited is not None and shows(edited, "Declared as", incident.ref) and not shows(edited, "Declare incident")
    # The other notice of the same alert is told where it went; the alert firing again joins the incident.
    other = find_button(second, ids.ALERT_DECLARE)["value"]
    assert bot.driver.click_button("U0CAROL", broadcast.id, second.ts, ids.ALERT_DECLARE, other).status_code == 200
    bot.settle()
    assert any("already part of" in e.text for e in bot.workspace.ephemerals("U0CAROL"))
    post_alert(bot, "datadog", p.DATADOG)
    settled(bot)
    assert len(bot.container.services.incidents.list_open()) == 1
    assert shows(find_block(card(bot, incident.id), "alerts"), "alert fired 2 times")


def test_page_dms_the_on_call_and_ignore_only_counts(routed_sqlite: BotHarness) -> None:
    bot = routed_sqlite
    post_alert(bot, "alertmanager", p.alertmanager("DiskFull", fingerprint="d1", env="prod", service="db"))
    post_alert(bot, "generic", p.generic(fingerprint="s1", labels={"env": "staging"}))
    rows = settled(bot)
    assert [r.outcome for r in rows] == ["page (disk)", "ignore (staging)"]
    assert bot.container.services.incidents.list_open() == []
    paged = [u for u in ("U0ALICE", "U0BOB", "U0CAROL") if any(shows(m, "You are paged") for m in bot.workspace.dm_messages(u))]
    assert len(paged) == 1  # the primary on-call (level 1 of the default policy)
    [dm] = [m for m in bot.workspace.dm_messages(paged[0]) if shows(m, "You are paged")]
    assert shows(dm, "DiskFull", "Acknowledge", "Declare incident")
    bot.driver.click_button(paged[0], dm.channel, dm.ts, ids.ALERT_ACK, find_button(dm, ids.ALERT_ACK)["value"])
    bot.settle()
    edited = bot.workspace.message(dm.channel, dm.ts)
    assert edited is not None and shows(edited, "Acknowledged by") and not shows(edited, "Declare incident")
    samples = scrape(bot.bot_url)
    assert samples[("incident_bot_alerts_routed_total", (("action", "ignore"), ("source", "generic")))] == 1
    assert samples[("incident_bot_alerts_routed_total", (("action", "page"), ("source", "alertmanager")))] == 1
