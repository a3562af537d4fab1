"""CloudWatch alarms end to end: a signed SNS delivery → the alert queue → routing → an incident in Slack."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.storage.alert_models import AlertQueueItem
from tests.alerts.sns_support import CLOUDWATCH_ALARM, LOCAL_PATTERN, TOPIC, FakeSns, fake_sns, pki
from tests.harness import SHIPPED_PLAYBOOKS, BotHarness, find_block, shows, start_bot, wait_until

__all__ = ["fake_sns", "pki"]

RULES = """
rules:
  - name: payments-api
    match: {source: cloudwatch, alert: "Payments*", labels: {Stage: prod, region: eu-west-1}}
    action: declare
    severity: SEV1
    title: "{alert} on {ApiName}"
  - name: cloudwatch-elsewhere
    match: {source: cloudwatch}
    action: ignore
default: {action: notify}
"""


@pytest.fixture
def cloudwatch_bot(database_url: str, tmp_path: Path, fake_sns: FakeSns) -> Iterator[BotHarness]:
    playbooks = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, playbooks)
    (playbooks / "alerts.yaml").write_text(RULES)
    bot = start_bot(
        database_url,
        playbooks_dir=playbooks,
        alerts_poll_seconds=0.2,
        alerts_sns_topic_arns=TOPIC,
        alerts_sns_url_pattern=LOCAL_PATTERN,
        alerts_sns_ca_bundle=str(fake_sns.ca_bundle),
    )
    try:
        yield bot
    finally:
        bot.stop()


def deliver(bot: BotHarness, document: dict[str, str]) -> None:
    response = requests.post(
        bot.bot_url + "/alerts/cloudwatch",
        data=json.dumps(document),
        headers={"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": document["Type"]},
        timeout=10,
    )
    assert response.status_code == 202, response.text


def settled(bot: BotHarness, count: int) -> list[AlertQueueItem]:
    def done() -> list[AlertQueueItem] | None:
        with bot.container.uow() as session:
            rows = list(session.execute(select(AlertQueueItem).order_by(AlertQueueItem.id)).scalars())
        return rows if len(rows) == count and all(r.state != "pending" for r in rows) else None

    rows = wait_until(done, timeout=20, what="the alert worker to settle the queue")
    bot.settle()
    return rows


def test_an_alarm_declares_repeats_and_resolves(cloudwatch_bot: BotHarness, fake_sns: FakeSns) -> None:
    bot = cloudwatch_bot
    deliver(bot, fake_sns.notification(message_id="m-1"))
    settled(bot, 1)
    [incident] = bot.container.services.incidents.list_open()
    assert incident.reporter_id == "alert: cloudwatch" and incident.severity.id == "SEV1"
    assert incident.title == "Payments API 5xx on payments"
    assert incident.channel_id and incident.card_ts
    card = bot.workspace.message(incident.channel_id, incident.card_ts)
    assert shows(find_block(card, "alerts"), "Payments API 5xx", "alert fired 1 time")

    # SNS delivers the alarm again (a new MessageId, the same alarm): counted, never a second incident.
    deliver(bot, fake_sns.notification(message_id="m-2", version="2"))
    settled(bot, 2)
    assert [i.id for i in bot.container.services.incidents.list_open()] == [incident.id]
    card = bot.workspace.message(incident.channel_id, incident.card_ts)
    assert shows(find_block(card, "alerts"), "alert fired 2 times")

    # INSUFFICIENT_DATA is recorded and changes nothing; OK says "alert resolved", the incident stays open.
    deliver(bot, fake_sns.notification({**CLOUDWATCH_ALARM, "NewStateValue": "INSUFFICIENT_DATA"}, message_id="m-3"))
    deliver(bot, fake_sns.notification({**CLOUDWATCH_ALARM, "NewStateValue": "OK"}, message_id="m-4"))
    settled(bot, 4)
    assert any(shows(m, "Alert resolved", "Payments API 5xx") for m in bot.messages(incident.channel_id))
    assert bot.container.services.incidents.get(incident.id).status.is_open


def test_an_alarm_in_another_stage_follows_the_next_rule(cloudwatch_bot: BotHarness, fake_sns: FakeSns) -> None:
    trigger = {**CLOUDWATCH_ALARM["Trigger"], "Dimensions": [{"name": "ApiName", "value": "payments"},
                                                           {"name": "Stage", "value": "beta"}]}  # fmt: skip
    deliver(cloudwatch_bot, fake_sns.notification({**CLOUDWATCH_ALARM, "Trigger": trigger}))
    [row] = settled(cloudwatch_bot, 1)
    assert row.outcome == "ignore (cloudwatch-elsewhere)"
    assert cloudwatch_bot.container.services.incidents.list_open() == []
