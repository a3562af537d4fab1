"""Fixtures: a seeded workspace served by the emulator, and a WebClient pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace


@pytest.fixture
def workspace() -> Workspace:
    """A fresh seeded workspace (bot, alice, bob, carol, dave; #general and #incidents)."""
    return Workspace()


@pytest.fixture
def emulator(workspace: Workspace) -> Iterator[EmulatorServer]:
    """The emulator serving `workspace` on a free loopback port."""
    with EmulatorServer(workspace) as server:
        yield server


@pytest.fixture
def client(emulator: EmulatorServer) -> WebClient:
    """The real slack_sdk client the bot uses, talking to the emulator."""
    return WebClient(base_url=emulator.api_url, token="xoxb-test")
