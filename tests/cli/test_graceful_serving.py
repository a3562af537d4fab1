"""The serving loop of ``incident-bot serve`` on a stop request: refuse new connections, answer those in flight."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import requests
from waitress.server import create_server

from bot.serving import Shutdown, serve_until
from tests.harness import wait_until
from tests.support.processes import port_is_open


class SlowApp:
    """``/slow`` holds its request until released; anything else answers at once."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/slow":
            self.entered.set()
            self.release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"answered"]


class Running:
    def __init__(self, drain_seconds: float) -> None:
        self.app = SlowApp()
        self.server = create_server(self.app, host="127.0.0.1", port=0, threads=2)
        self.port = int(self.server.effective_port)
        self.stop = threading.Event()
        self.drained: list[bool] = []
        self.thread = threading.Thread(
            target=lambda: self.drained.append(serve_until(self.server, self.stop, drain_seconds)), daemon=True
        )
        self.thread.start()

    def get(self, path: str, into: list[requests.Response | Exception]) -> threading.Thread:
        def call() -> None:
            try:
                into.append(requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=10))
            except requests.RequestException as exc:
                into.append(exc)

        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        return thread


@pytest.fixture
def running() -> Iterator[Running]:
    made = Running(drain_seconds=5)
    yield made
    made.app.release.set()
    made.stop.set()
    made.thread.join(10)


def test_a_stop_refuses_new_connections_and_answers_the_request_in_flight(running: Running) -> None:
    fast: list[requests.Response | Exception] = []
    running.get("/fast", fast).join(10)
    assert isinstance(fast[0], requests.Response) and fast[0].text == "answered"

    slow: list[requests.Response | Exception] = []
    caller = running.get("/slow", slow)
    assert running.app.entered.wait(10)
    running.stop.set()
    wait_until(lambda: not port_is_open(running.port), timeout=5, what="the listening socket to close")
    assert slow == [] and running.thread.is_alive()  # still draining: the slow request has no answer yet

    running.app.release.set()
    caller.join(10)
    assert isinstance(slow[0], requests.Response) and (slow[0].status_code, slow[0].text) == (200, "answered")
    running.thread.join(10)
    assert running.drained == [True]


def test_the_drain_is_bounded_when_a_request_never_finishes(caplog: pytest.LogCaptureFixture) -> None:
    made = Running(drain_seconds=0.5)
    try:
        stuck: list[requests.Response | Exception] = []
        made.get("/slow", stuck)
        assert made.app.entered.wait(10)
        made.stop.set()
        with caplog.at_level(logging.WARNING, logger="bot.serving"):
            made.thread.join(5)
        assert not made.thread.is_alive() and made.drained == [False]
        assert any("still running after" in r.getMessage() for r in caplog.records)
    finally:
        made.app.release.set()


def test_a_shutdown_runs_its_callbacks_once_even_when_asked_twice_or_late() -> None:
    shutdown = Shutdown(budget_seconds=None)
    ran: list[str] = []
    shutdown.on_request(lambda: ran.append("early"))
    shutdown.request()
    shutdown.request()
    shutdown.on_request(lambda: ran.append("late"))
    assert shutdown.requested.is_set() and ran == ["early", "late"]
