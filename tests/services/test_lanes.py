"""Lanes: one key at a time, keys side by side, never queued behind busy workers."""

from __future__ import annotations

import threading
import time

import pytest

from bot.services.lanes import Lanes


def test_a_blocked_key_does_not_hold_up_another() -> None:
    lanes = Lanes(2)
    release = threading.Event()
    done = threading.Event()
    try:
        assert lanes.offer("slow", lambda: release.wait(10))
        assert lanes.offer("fast", lambda: done.set() or False)
        assert done.wait(2)
        assert lanes.running() == {"slow"}
    finally:
        release.set()
        assert lanes.close(5)


def test_one_key_runs_once_at_a_time_and_nothing_queues_behind_busy_workers() -> None:
    lanes = Lanes(1)
    release = threading.Event()
    try:
        assert lanes.offer("a", lambda: release.wait(10))
        assert not lanes.offer("a", lambda: False)  # already running
        assert not lanes.offer("b", lambda: False)  # no free worker: offered again later, not queued
        assert not lanes.has_free_worker()
    finally:
        release.set()
        assert lanes.close(5)
    assert not lanes.offer("c", lambda: False)  # closed


def test_after_runs_once_the_key_is_free_when_work_asks_for_it() -> None:
    seen: list[set[object]] = []
    called = threading.Event()
    lanes: Lanes

    def after() -> None:
        seen.append(lanes.running())
        called.set()

    lanes = Lanes(2, after=after)
    try:
        assert lanes.offer("k", lambda: True)
        assert called.wait(2)
        assert seen == [set()]  # the key was already free: it can be offered again at once
        called.clear()
        assert lanes.offer("k", lambda: False)
        assert not called.wait(0.2)
    finally:
        lanes.close(5)


def test_a_failing_lane_frees_its_worker(caplog: pytest.LogCaptureFixture) -> None:
    lanes = Lanes(1)
    ran = threading.Event()

    def boom() -> bool:
        raise RuntimeError("handler bug")

    try:
        assert lanes.offer("bad", boom)
        # The only worker comes back: the next key gets it.
        deadline = time.monotonic() + 5
        while not lanes.offer("good", lambda: ran.set() or False):
            assert time.monotonic() < deadline, "the failed lane kept its worker"
            time.sleep(0.01)
        assert ran.wait(2)
    finally:
        lanes.close(5)
    assert any("handler bug" in str(r.exc_info) for r in caplog.records)


def test_close_reports_work_still_running_after_its_timeout() -> None:
    lanes = Lanes(1)
    release = threading.Event()
    assert lanes.offer("stuck", lambda: release.wait(10))
    assert lanes.close(0.1) is False
    release.set()
