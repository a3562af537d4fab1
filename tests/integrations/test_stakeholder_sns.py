"""Stakeholder notifications on SNS (moto): an SQS queue subscribed to the topic reads what arrives, once each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from sqlalchemy import select, update

from bot.domain.events import StakeholderNotice
from bot.domain.stakeholders import StakeholderMessage
from bot.integrations.aws import ClientFactory
from bot.integrations.aws.sns import SnsTopic
from bot.services.outbox import GiveUp, RetryLater
from bot.storage.models import OutboxMessage
from tests.harness import BotHarness, carries, start_bot, wait_until
from tests.integrations.conftest import ACCOUNT, REGION

TOPIC = "stakeholders"


class Subscriber:
    """An SQS queue subscribed to the stakeholder topic: what a mail or SMS subscriber would receive."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.sns = session.client("sns", region_name=REGION)
        self.sqs = session.client("sqs", region_name=REGION)
        self.topic_arn = self.sns.create_topic(Name=TOPIC)["TopicArn"]
        self.queue_url = self.sqs.create_queue(QueueName="stakeholder-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)
        self.received: list[dict[str, Any]] = []

    def read(self) -> list[dict[str, Any]]:
        """Everything arrived so far (kept across calls), oldest first."""
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return self.received
            for message in batch:
                envelope = json.loads(message["Body"])
                self.received.append(
                    {
                        "subject": envelope.get("Subject"),
                        "message": envelope["Message"],
                        "attributes": {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()},
                    }
                )
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def subscriber(aws_session: boto3.session.Session) -> Subscriber:
    return Subscriber(aws_session)


@pytest.fixture
def sns_bot(subscriber: Subscriber, sqlite_url: str) -> Iterator[BotHarness]:
    harness = start_bot(
        sqlite_url, stakeholder_sns_topic_arn=subscriber.topic_arn, status_page_url="https://status.example.com/"
    )
    try:
        yield harness
    finally:
        harness.stop()


def _arrived(subscriber: Subscriber, count: int) -> list[dict[str, Any]]:
    return wait_until(lambda: len(subscriber.read()) >= count and subscriber.received, 20, what=f"{count} notices")


def test_declaration_update_and_resolution_each_reach_stakeholders_once(
    sns_bot: BotHarness, subscriber: Subscriber
) -> None:
    bot = sns_bot
    inc = bot.declare("SEV1 Payment System")
    bot.command("role tech <@U0BOB|bob>", channel=inc.channel_id)
    bot.settle()
    bot.command("update identified Stripe webhooks time out", channel=inc.channel_id)
    bot.settle()  # a command is acknowledged before it is handled: one at a time, in order
    bot.command("resolve Rolled back the webhook change", channel=inc.channel_id)
    bot.settle()
    notices = _arrived(subscriber, 3)
    bot.settle()
    assert len(subscriber.read()) == 3, [n["subject"] for n in subscriber.received]
    declared, updated, resolved = notices
    assert declared["subject"] == "[SEV1] Production Incident - Payment System"
    assert updated["subject"] == "[SEV1] Production Incident Update - Payment System"
    assert resolved["subject"] == "[SEV1] Production Incident Resolved - Payment System"
    assert [n["attributes"]["status"] for n in notices] == ["investigating", "identified", "resolved"]
    for notice in notices:
        assert notice["attributes"]["severity"] == "SEV1"
        assert notice["attributes"]["incident_id"] == inc.ref
    # The internal notification template, filled in: the channel, people by name, no Slack markup.
    assert "We are experiencing a SEV1 incident: Payment System." in declared["message"]
    assert f"#{inc.channel_name}" in declared["message"]
    assert "*Status page:* https://status.example.com/status" in declared["message"]
    assert "<@" not in "".join(n["message"] for n in notices)
    assert updated["message"].startswith("Update (")
    assert "status Identified:\nStripe webhooks time out" in updated["message"]
    assert "*Tech Lead:* Bob Baker" in updated["message"]
    assert "Rolled back the webhook change" in resolved["message"]
    keys = {n["attributes"]["notification_id"] for n in notices}
    assert len(keys) == 3


def test_a_severity_without_notify_stakeholders_sends_nothing(sns_bot: BotHarness, subscriber: Subscriber) -> None:
    bot = sns_bot
    inc = bot.declare("SEV3 search is slow")
    bot.command("update monitoring a cache is warming", channel=inc.channel_id)
    bot.settle()
    bot.command("resolve warmed up", channel=inc.channel_id)
    bot.settle()
    assert subscriber.read() == []


def test_a_private_incident_says_only_that_one_was_declared_and_resolved(
    sns_bot: BotHarness, subscriber: Subscriber
) -> None:
    bot = sns_bot
    inc = bot.declare("SEC api keys in a public gist", user="U0BOB")
    bot.command("update identified keys rotated by Bob", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    bot.command("resolve rotated every key", user="U0BOB", channel=inc.channel_id)
    bot.settle()
    notices = _arrived(subscriber, 2)
    bot.settle()
    assert [(n["subject"], n["message"]) for n in subscriber.read()] == [
        ("[SEC] Private incident declared", "A private SEC incident was declared."),
        ("[SEC] Private incident resolved", "A private SEC incident was resolved."),
    ]
    words = json.dumps(notices)
    for secret in ("gist", "api keys", "rotated", "Bob", inc.channel_name or "-"):
        assert secret not in words


def test_nothing_is_queued_without_a_topic(sqlite_url: str) -> None:
    bot = start_bot(sqlite_url)
    try:
        inc = bot.declare("SEV1 checkout down")
        bot.command("update identified a bad deploy", channel=inc.channel_id)
        bot.settle()
        assert StakeholderNotice.kind not in _outbox_kinds(bot)
    finally:
        bot.stop()


def test_a_no_change_heartbeat_is_not_sent(sns_bot: BotHarness, subscriber: Subscriber) -> None:
    bot = sns_bot
    inc = bot.declare("SEV2 checkout slow")
    bot.container.services.incidents.post_update(inc.id, "U0ALICE", "No change.", kind="heartbeat")
    bot.settle()
    assert [n["subject"] for n in _arrived(subscriber, 1)] == ["[SEV2] Production Incident - checkout slow"]
    assert _outbox_kinds(bot).count(StakeholderNotice.kind) == 1


def _outbox_kinds(bot: BotHarness) -> list[str]:
    with bot.container.uow() as session:
        return list(session.execute(select(OutboxMessage.event)).scalars())


def _refuse(status: int, code: str) -> Any:
    """A ``before-call`` hook answering every Publish with an SNS error (the service is struggling)."""

    def answer(**_: Any) -> tuple[Any, dict[str, Any]]:
        parsed = {"Error": {"Code": code, "Message": "try later"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return SimpleNamespace(status_code=status), parsed

    return answer


def test_an_sns_outage_delays_the_notice_which_then_arrives_once(
    sns_bot: BotHarness, subscriber: Subscriber
) -> None:
    bot = sns_bot
    handler = bot.container.outbox.handlers[StakeholderNotice]
    topic = handler.__self__.topic  # type: ignore[attr-defined]
    assert isinstance(topic, SnsTopic)
    events = topic.clients.base_session.events
    outage = _refuse(503, "ServiceUnavailable")
    events.register("before-call.sns.Publish", outage)
    try:
        inc = bot.container.services.incidents.declare(
            reporter_id="U0ALICE", severity=bot.container.playbooks.severities.get("SEV1"), title="Payment System"
        ).incident
        failed = wait_until(
            lambda: _notice_row(bot, inc.id, lambda row: row.attempts >= 1 and "sns" in row.last_error),
            20,
            what="a failed try",
        )
        assert failed.state == "pending"
        assert subscriber.read() == []
        # The notice waits in a lane of its own: the incident's Slack messages do not wait for SNS.
        bot.container.services.incidents.post_update(inc.id, "U0ALICE", "Webhooks are timing out")
        channel = wait_until(lambda: bot.container.services.incidents.get(inc.id).channel_id, what="channel")
        wait_until(
            lambda: any(carries(m, "Webhooks are timing out") for m in bot.messages(channel)),
            20,
            what="the update in Slack during the SNS outage",
        )
        assert subscriber.read() == []
    finally:
        events.unregister("before-call.sns.Publish", outage)
    notices = _arrived(subscriber, 2)
    bot.settle()
    assert len(subscriber.read()) == 2 and notices[0]["attributes"]["incident_id"] == inc.ref
    assert [n["attributes"]["status"] for n in notices] == ["investigating", "investigating"]
    assert "Webhooks are timing out" in notices[1]["message"]

    # Delivered: putting the message back in the queue (as an operator's requeue does) sends nothing more.
    done = _notice_row(bot, inc.id, lambda row: row.state == "done" and "declared" in row.payload["key"])
    with bot.container.uow() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == done.id).values(state="pending"))
    bot.container.dispatcher.kick()
    wait_until(lambda: _notice_row(bot, inc.id, lambda row: row.id == done.id and row.state == "done"), what="redone")
    bot.settle()
    assert len(subscriber.read()) == 2


def _notice_row(bot: BotHarness, incident_id: int, test: Any) -> Any:
    with bot.container.uow() as session:
        rows = session.execute(
            select(OutboxMessage).where(
                OutboxMessage.incident_id == incident_id, OutboxMessage.event == StakeholderNotice.kind
            )
        ).scalars()
        row = next((r for r in rows if test(r)), None)
        if row is not None:
            session.expunge(row)
        return row


# -- the adapter -----------------------------------------------------------------------------------------
def _message(key: str = "INC-2026-0001:declared:1") -> StakeholderMessage:
    return StakeholderMessage(
        "[SEV1] Production Incident - Payment System",
        "Team, ...",
        key,
        {"severity": "SEV1", "status": "investigating", "incident_id": "INC-2026-0001"},
        "INC-2026-0001",
    )


def test_a_missing_topic_is_a_permanent_refusal(aws_clients: ClientFactory) -> None:
    topic = SnsTopic(aws_clients, f"arn:aws:sns:{REGION}:{ACCOUNT}:nobody")
    with pytest.raises(GiveUp, match="SNS refused"):
        topic.publish(_message())


def test_a_fifo_topic_deduplicates_by_the_notification_key(
    aws_session: boto3.session.Session, aws_clients: ClientFactory
) -> None:
    sns = aws_session.client("sns", region_name=REGION)
    arn = sns.create_topic(Name="stakeholders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    seen: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        seen.append(params)

    aws_clients.base_session.events.register("provide-client-params.sns.Publish", capture)
    SnsTopic(aws_clients, arn).publish(_message())
    assert seen[0]["MessageDeduplicationId"] == "INC-2026-0001:declared:1"
    assert seen[0]["MessageGroupId"] == "INC-2026-0001"


def test_an_unreachable_or_struggling_sns_is_retried_later(aws_clients: ClientFactory, subscriber: Subscriber) -> None:
    topic = SnsTopic(aws_clients, subscriber.topic_arn)
    events = aws_clients.base_session.events
    for status, code in ((500, "InternalError"), (400, "Throttling")):
        hook = _refuse(status, code)
        events.register("before-call.sns.Publish", hook)
        with pytest.raises(RetryLater):
            topic.publish(_message())
        events.unregister("before-call.sns.Publish", hook)
    assert subscriber.read() == []
