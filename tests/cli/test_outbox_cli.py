"""``incident-bot outbox list`` and ``outbox retry`` through the CLI entry point, on both databases."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.playbooks.loader import load_playbooks
from bot.services.context import ServiceContext
from bot.services.dispatcher import OutboxDispatcher
from bot.services.incidents import IncidentService
from bot.services.outbox import Delivery, GiveUp
from bot.storage import migrate
from bot.storage.db import UnitOfWork, make_engine, make_session_factory
from bot.storage.models import OutboxMessage

PLAYBOOKS = load_playbooks(Path(__file__).resolve().parents[2] / "playbooks")


class Refusing:
    """A notifier that does one step of a declaration, then meets a refusal; or, once fixed, succeeds."""

    def __init__(self) -> None:
        self.fixed = False
        self.redone: list[str] = []

    def deliver(self, d: Delivery) -> None:
        if d.kind != "incident.declared":
            return
        if d.done("channel"):
            self.redone.append("channel kept")
        d.mark("channel", "C1")
        if not self.fixed:
            raise GiveUp("chat.postMessage failed: channel_not_found", "channel_not_found")


class Outbox:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        migrate.upgrade(self.engine)
        self.uow = UnitOfWork(make_session_factory(self.engine))
        self.notifier = Refusing()
        self.dispatcher = OutboxDispatcher(self.uow, self.notifier, lambda: datetime.now(UTC) + timedelta(seconds=1))
        self.incidents = IncidentService(ServiceContext(uow=self.uow, playbooks=PLAYBOOKS))

    def states(self) -> list[tuple[int, str, str]]:
        with self.uow() as session:
            return [(m.id, m.event, m.state) for m in session.query(OutboxMessage).order_by(OutboxMessage.id)]


@pytest.fixture
def box(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_JSON", "false")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    made = Outbox(database_url)
    try:
        yield made
    finally:
        made.engine.dispose()
        root.handlers[:], root.level = handlers, level  # main() configures logging for the process


def test_list_shows_failed_and_pending_rows_and_retry_replays_a_failed_one(
    box: Outbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sev = PLAYBOOKS.severities.get("SEV3")
    ref = box.incidents.declare(reporter_id="U0ALICE", severity=sev, title="refused by slack").incident.ref
    box.dispatcher.run_once()  # the declaration dies; its notice is queued
    (dead, _), (notice, _) = [(mid, kind) for mid, kind, _ in box.states()]

    assert main(["outbox", "list"]) == 0
    out = capsys.readouterr().out
    header, first, second = out.splitlines()[:3]
    assert header.split() == ["ID", "KIND", "INCIDENT", "STATE", "ATTEMPTS", "AGE", "LAST", "ERROR"]
    assert first.split()[:5] == [str(dead), "incident.declared", ref, "failed", "1"]
    assert "chat.postMessage failed: channel_not_found" in first
    assert second.split()[:5] == [str(notice), "outbox.failed", ref, "pending", "0"]
    assert "2 pending or failed message(s)" in out

    assert main(["outbox", "list", "--failed"]) == 0
    out = capsys.readouterr().out
    assert "incident.declared" in out and "outbox.failed" not in out
    assert main(["outbox", "list", "--pending"]) == 0
    out = capsys.readouterr().out
    assert "outbox.failed" in out and "incident.declared" not in out

    box.notifier.fixed = True
    assert main(["outbox", "retry", str(dead)]) == 0
    assert f"#{dead} queued again" in capsys.readouterr().out
    assert main(["outbox", "retry", str(dead)]) == 0  # again before delivery: still queued once
    assert "already queued" in capsys.readouterr().out
    box.dispatcher.run_once()
    assert (dead, "incident.declared", "done") in box.states()
    assert box.notifier.redone == ["channel kept"]  # the step done before the refusal was not redone
    assert main(["outbox", "list", "--failed"]) == 0
    assert "no failed outbox messages" in capsys.readouterr().out


def test_retry_refuses_what_it_cannot_replay_and_changes_nothing(
    box: Outbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sev = PLAYBOOKS.severities.get("SEV3")
    box.notifier.fixed = True
    box.incidents.declare(reporter_id="U0ALICE", severity=sev, title="delivered fine")
    box.dispatcher.run_once()
    ((delivered, _, _),) = box.states()
    before = box.states()

    assert main(["outbox", "retry", str(delivered)]) == 1
    assert "already delivered; nothing to retry" in capsys.readouterr().err
    assert main(["outbox", "retry", "999"]) == 1
    assert "there is no outbox message #999" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["outbox", "retry", "twelve"])
    assert exited.value.code == 2
    assert "expected an outbox message id such as 12, got 'twelve'" in capsys.readouterr().err
    assert box.states() == before
    assert main(["outbox", "list"]) == 0
    assert "no pending or failed outbox messages" in capsys.readouterr().out
