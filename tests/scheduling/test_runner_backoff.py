"""A scheduled job whose body keeps raising backs off instead of re-firing at every re-sync."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.scheduling import runner as runner_module
from bot.scheduling.job_kinds import Due
from bot.scheduling.runner import SchedulerRunner


class FlakyKinds:
    """One job due in the past whose body raises until ``healed`` is set."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.healed = threading.Event()
        self.done = False

    def reconcile(self) -> bool:
        return False

    def due_times(self) -> list[Due]:
        return [] if self.done else [Due("nudge", 7, datetime.now(UTC) - timedelta(seconds=1))]

    def fire(self, kind: str, incident_id: int) -> bool:
        self.calls.append(time.monotonic())
        if not self.healed.is_set():
            raise RuntimeError("a bug in one incident's data")
        self.done = True
        return True


def wait_for(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_failing_job_backs_off_then_runs_once_it_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "FAILED_FIRST_WAIT", timedelta(seconds=0.4))
    kinds = FlakyKinds()
    fired: list[bool] = []
    engine = create_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    runner = SchedulerRunner(engine, kinds, resync_seconds=0.02, after_fire=lambda: fired.append(True))  # type: ignore[arg-type]
    runner.start()
    try:
        wait_for(lambda: len(kinds.calls) >= 1)
        time.sleep(1.0)
        # Re-synced about 50 times in that second; backing off 0.4 s then 0.8 s, it ran at most three times.
        assert 2 <= len(kinds.calls) <= 3, kinds.calls
        gaps = [b - a for a, b in zip(kinds.calls, kinds.calls[1:], strict=False)]
        assert all(gap >= 0.35 for gap in gaps), gaps
        assert fired == []
        kinds.healed.set()
        wait_for(lambda: fired == [True], timeout=3.0)
        assert kinds.done
    finally:
        runner.stop()
        engine.dispose()
