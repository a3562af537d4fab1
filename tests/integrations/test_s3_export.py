"""Resolved incidents written to S3 (a moto server): export YAML and post-mortem Markdown, through an outage."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from bot.domain.events import ExportIncident
from bot.integrations.aws import ClientFactory
from bot.integrations.aws.s3 import S3Bucket
from bot.services.outbox import GiveUp, RetryLater
from bot.storage import postmortems as store
from bot.storage.models import OutboxMessage
from tests.harness import BotHarness, start_bot, wait_until
from tests.integrations.conftest import REGION
from tests.slack.test_write_before_ack import Clock

BUCKET = "incident-archive"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class S3Server:
    """moto's S3 over HTTP on a fixed port, stopped and started again to play an outage."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.url, region_name=REGION)

    def read(self, key: str) -> bytes | None:
        try:
            return bytes(self.client().get_object(Bucket=BUCKET, Key=key)["Body"].read())
        except self.client().exceptions.NoSuchKey:
            return None


@pytest.fixture
def s3(aws_env: None) -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    server.client().create_bucket(Bucket=BUCKET)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def exporting_bot(s3: S3Server, sqlite_url: str) -> Iterator[tuple[BotHarness, Clock]]:
    clock = Clock()
    bot = start_bot(
        sqlite_url, clock=clock, run_scheduler=False, export_s3_bucket=BUCKET, export_s3_endpoint_url=s3.url
    )
    try:
        yield bot, clock
    finally:
        bot.stop()


def _resolve(bot: BotHarness, text: str) -> Any:
    inc = bot.declare(text)
    bot.command("resolve Pool raised root cause: a slow query held connections", channel=inc.channel_id)
    return inc


def _export_rows(bot: BotHarness) -> list[OutboxMessage]:
    with bot.container.uow() as session:
        rows = list(session.execute(select(OutboxMessage).where(OutboxMessage.event == ExportIncident.kind)).scalars())
        for row in rows:
            session.expunge(row)
        return rows


@pytest.mark.slow  # the retries during the outage follow the outbox's wall-clock backoff
def test_a_resolved_incident_is_written_to_s3_and_an_outage_only_delays_it(
    exporting_bot: tuple[BotHarness, Clock], s3: S3Server
) -> None:
    bot, clock = exporting_bot
    inc = _resolve(bot, "SEV2 checkout slow")
    bot.settle()
    year = inc.declared_at.year
    exported = wait_until(lambda: s3.read(f"incidents/{year}/{inc.ref}.yaml"), what="the export in S3")
    document = yaml.safe_load(exported)["incident"]
    assert document["id"] == inc.ref and document["severity"] == "SEV2"
    assert document["root_cause"] == "a slow query held connections" and document["resolved_at"]
    with bot.container.uow() as session:
        row = store.of_incident(session, inc.id)
        assert row is not None
        markdown = row.markdown
    assert s3.read(f"incidents/{year}/{inc.ref}.md") == markdown.encode()
    assert markdown.startswith(f"# Incident post-mortem: {inc.ref}")
    # A severity without a post-mortem: the export alone.
    minor = _resolve(bot, "SEV4 typo on the status page")
    bot.settle()
    wait_until(lambda: s3.read(f"incidents/{year}/{minor.ref}.yaml"), what="the SEV4 export")
    assert s3.read(f"incidents/{year}/{minor.ref}.md") is None

    # S3 goes away: the export waits and is retried with backoff; Slack is not held up.
    s3.stop()
    down = _resolve(bot, "SEV3 search degraded")
    wait_until(lambda: [r for r in _export_rows(bot) if r.attempts >= 2 and r.state == "pending"], timeout=20,
               what="the export retried during the outage")
    wait_until(lambda: any(f for m in bot.messages(str(down.channel_id)) for f in m.files), what="the draft in Slack")
    (waiting,) = [r for r in _export_rows(bot) if r.state == "pending"]
    assert "s3:" in waiting.last_error and waiting.payload == {"ref": down.ref}

    # Back again: the next retry writes both documents, once.
    s3.start()
    clock.advance(minutes=10)
    bot.container.dispatcher.kick()
    wait_until(lambda: s3.read(f"incidents/{year}/{down.ref}.md"), timeout=20, what="the export after the outage")
    bot.settle()
    assert yaml.safe_load(s3.read(f"incidents/{year}/{down.ref}.yaml") or b"")["incident"]["id"] == down.ref
    assert {r.state for r in _export_rows(bot)} == {"done"}


def test_reopened_and_resolved_again_the_export_carries_the_new_revision(
    exporting_bot: tuple[BotHarness, Clock], s3: S3Server
) -> None:
    bot, _ = exporting_bot
    inc = _resolve(bot, "SEV2 checkout slow")
    bot.settle()
    bot.command("reopen Errors are back", channel=inc.channel_id)
    bot.settle()
    bot.command("resolve Cache flushed root cause: a stale cache", channel=inc.channel_id)
    bot.settle()
    year = inc.declared_at.year
    text = wait_until(lambda: s3.read(f"incidents/{year}/{inc.ref}.md"), what="the post-mortem in S3").decode()
    assert "a stale cache" in text
    assert yaml.safe_load(s3.read(f"incidents/{year}/{inc.ref}.yaml") or b"")["incident"]["root_cause"] == "a stale cache"
    assert len(_export_rows(bot)) == 2


def test_a_bucket_that_refuses_gives_up_and_an_unreachable_one_is_retried(aws_clients: ClientFactory) -> None:
    with pytest.raises(GiveUp, match="NoSuchBucket"):
        S3Bucket("no-such-bucket", clients=aws_clients).put("incidents/2026/INC-2026-0001.yaml", b"x", "application/yaml")
    with pytest.raises(RetryLater, match="s3:"):
        S3Bucket(BUCKET, endpoint_url=f"http://127.0.0.1:{_free_port()}").put("k", b"x", "text/plain")
