"""Job functions APScheduler stores by reference; their arguments are ids only."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger(__name__)


class JobTarget(Protocol):
    def run_job(self, kind: str, incident_id: int) -> None: ...


_runners: dict[str, JobTarget] = {}
_guard = threading.Lock()


def register(runner_id: str, runner: JobTarget) -> None:
    with _guard:
        _runners[runner_id] = runner


def unregister(runner_id: str) -> None:
    with _guard:
        _runners.pop(runner_id, None)


def run_effect(runner_id: str, kind: str, incident_id: int) -> None:
    """Fire one scheduled effect through the scheduler that scheduled it."""
    with _guard:
        runner = _runners.get(runner_id)
    if runner is None:
        # A job left in the store by a scheduler that is gone; the re-sync reschedules it.
        log.info("no scheduler %s for %s:%s", runner_id, kind, incident_id)
        return
    runner.run_job(kind, incident_id)
