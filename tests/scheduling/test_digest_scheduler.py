"""The daily digest on the real scheduler and wall clock: today's run, already past, goes out once from two replicas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.storage.scheduling_models import ReportRun
from tests.harness import SHIPPED_PLAYBOOKS, block_text, start_bot, wait_until
from tests.scheduling.helpers import scheduler_running

pytestmark = pytest.mark.slow  # wall-clock runs; the decisions are in test_daily_digest.py


def test_a_digest_already_due_today_is_posted_once_by_two_replicas(database_url: str, tmp_path: Path) -> None:
    playbooks = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, playbooks)
    # 00:00 UTC every day has always passed: the run of today was missed, so it goes out at start, late.
    (playbooks / "reports.yaml").write_text(
        'daily_digest:\n  time: "00:00"\n  timezone: UTC\n  weekdays: [mon, tue, wed, thu, fri, sat, sun]\n'
    )
    first = start_bot(database_url, playbooks_dir=playbooks, scheduler_resync_seconds=0.5)
    second = start_bot(
        database_url, playbooks_dir=playbooks, scheduler_resync_seconds=0.5, workspace=first.workspace,
        emulator=first.emulator,
    )
    try:
        wait_until(lambda: scheduler_running(first) or scheduler_running(second), timeout=20, what="a leader")

        def posted() -> list[object]:
            found = [c for c in first.workspace.channels.values() if c.name == "incidents"]
            if not found:
                return []
            return [m for m in first.workspace.messages(found[0].id) if m.text.startswith("Daily incident digest")]

        [digest] = wait_until(posted, timeout=20, what="the digest")
        assert ":sunny: No open incidents." in [block_text(b) for b in digest.blocks]
        # Another resync or two later, on both replicas: still one, and one run recorded.
        leader = first if scheduler_running(first) else second
        leader.container.scheduler.resync()
        first.settle()
        second.settle()
        assert len(posted()) == 1
        with first.container.uow() as session:
            assert session.query(ReportRun).count() == 1
    finally:
        second.stop()
        first.stop()
