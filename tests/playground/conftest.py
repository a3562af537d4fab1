"""A running playground (emulator, real bot, page) on a free port, for the playground's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.config import get_settings
from bot.playground.runner import Playground, start_playground
from tests.harness import SHIPPED_PLAYBOOKS

PlaygroundFactory = Callable[..., Playground]


@pytest.fixture
def make_playground() -> Iterator[PlaygroundFactory]:
    """Start playgrounds with settings overrides; all are stopped after the test."""
    started: list[Playground] = []

    def make(**overrides: object) -> Playground:
        options: dict[str, object] = {
            "playbooks_dir": SHIPPED_PLAYBOOKS,
            "redis_url": None,
            "log_json": False,
            **overrides,
        }
        running = start_playground(get_settings(**options), port=0)
        started.append(running)
        return running

    try:
        yield make
    finally:
        for running in reversed(started):
            running.stop()


@pytest.fixture
def playground(make_playground: PlaygroundFactory) -> Playground:
    """The page's tests need no timers: the scheduler is off."""
    return make_playground(run_scheduler=False)
