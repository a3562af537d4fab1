"""The bot running for real: emulator, database, Bolt over HTTP, and a driver acting as Slack."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.config import Settings, get_settings
from bot.container import Container, build_container
from bot.emulator.driver import SlackDriver
from bot.emulator.server import BackgroundServer, EmulatorServer
from bot.emulator.workspace import Workspace
from bot.services.read_models import IncidentView
from bot.storage import migrate
from bot.web import create_wsgi_app

SIGNING_SECRET = "test-signing-secret"
REPO = Path(__file__).resolve().parents[1]
SHIPPED_PLAYBOOKS = REPO / "playbooks"
T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (AssertionError, LookupError):
            last = None
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


# -- finding things in a message's blocks --------------------------------------------------------------
def _blocks(message: Any) -> list[dict[str, Any]]:
    """The blocks of a message, a list of blocks, a view's body (``{"blocks": …}``) or one block."""
    if isinstance(message, dict):
        blocks = message.get("blocks", [message])
    else:
        blocks = message if isinstance(message, list) else getattr(message, "blocks", None)
    return [b.to_dict() if hasattr(b, "to_dict") else b for b in blocks or []]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def action_ids(message: Any) -> list[str]:
    """The ``action_id`` of every interactive element in a message (or a list of blocks), in order."""
    return [str(n["action_id"]) for n in _walk(_blocks(message)) if "action_id" in n]


def find_action(message: Any, action_id: str) -> dict[str, Any]:
    """The element (button, select…) with this ``action_id``; fails naming the ones the message has."""
    for node in _walk(_blocks(message)):
        if node.get("action_id") == action_id:
            return node
    raise AssertionError(f"no element {action_id!r} in the message; it has {action_ids(message)}")


def find_button(message: Any, action_id: str) -> dict[str, Any]:
    """The button with this ``action_id`` (its ``text.text`` is the label, ``value`` what a click sends)."""
    element = find_action(message, action_id)
    assert element.get("type") == "button", f"{action_id!r} is a {element.get('type')}, not a button"
    return element


def has_action(message: Any, action_id: str) -> bool:
    return action_id in action_ids(message)


def find_block(message: Any, block_id: str) -> dict[str, Any]:
    """The top-level block with this ``block_id``; fails naming the ones the message has."""
    blocks = _blocks(message)
    for block in blocks:
        if block.get("block_id") == block_id:
            return block
    raise AssertionError(f"no block {block_id!r}; the message has {[b.get('block_id') for b in blocks]}")


def block_text(block: dict[str, Any]) -> str:
    """The words a person reads in one block: its text, its fields and its context elements."""
    parts: list[str] = []
    text = block.get("text")
    if isinstance(text, dict):
        parts.append(str(text.get("text", "")))
    parts += [str(f.get("text", "")) for f in block.get("fields") or [] if isinstance(f, dict)]
    if block.get("type") == "context":
        parts += [str(e.get("text", "")) for e in block.get("elements") or [] if isinstance(e, dict)]
    return "\n".join(p for p in parts if p)


def block_texts(message: Any) -> list[str]:
    """``block_text`` of every top-level block of a message, in order."""
    return [block_text(b) for b in _blocks(message)]


def message_words(message: Any) -> str:
    """Every text a person reads in a message (or a list of blocks, or a modal's): text objects (sections,
    fields, context, headers, button labels, options) and rich text, in order, one a line; never an id,
    a button's value or a URL."""
    texts = [
        str(node["text"])
        for node in _walk(_blocks(message))
        if node.get("type") in ("plain_text", "mrkdwn", "text") and isinstance(node.get("text"), str)
    ]
    return "\n".join(texts)


def carries(message: Any, needle: str) -> bool:
    """Whether ``needle`` is anywhere a client could read it: the message's text, or any string in its
    blocks (texts, but also ids, button values, URLs). For checks that something is *not* sent."""
    strings = [str(getattr(message, "text", "") or "")]
    strings += [str(v) for node in _walk(_blocks(message)) for v in node.values() if isinstance(v, str)]
    return any(needle in s for s in strings)


def shows(message: Any, *needles: str) -> bool:
    """Whether a person reading the message sees every one of ``needles`` (see ``message_words``)."""
    words = message_words(message)
    return all(needle in words for needle in needles)


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting listeners still running so tests can wait for them."""

    def __init__(self) -> None:
        super().__init__(max_workers=16, thread_name_prefix="bolt")
        self._active = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._active += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._active -= 1

        return super().submit(run)

    @property
    def active(self) -> int:
        with self._lock:
            return self._active


@dataclass
class BotHarness:
    """One running bot wired to one emulated workspace."""

    workspace: Workspace
    emulator: EmulatorServer
    container: Container
    driver: SlackDriver
    bot_url: str
    executor: TrackingExecutor
    _server: Any = None
    _thread: threading.Thread | None = None
    stopped: bool = field(default=False)

    @property
    def settings(self) -> Settings:
        return self.container.settings

    # -- acting as Slack -----------------------------------------------------------------------
    def command(self, text: str, user: str = "U0ALICE", channel: str | None = None) -> Any:
        channel = channel or self.workspace.channel_by_name("general").id
        return self.driver.slash_command(user, channel, text)

    def declare(self, text: str = "SEV1 payments down", user: str = "U0ALICE") -> IncidentView:
        """Declare through the slash command and wait until the channel, card and broadcast exist."""
        before = {i.id for i in self.container.services.incidents.list_open()}
        response = self.command(text, user=user)
        assert response.status_code == 200, response.text
        incident = wait_until(
            lambda: next(
                (i for i in self.container.services.incidents.list_open() if i.id not in before), None
            ),
            what="incident row",
        )
        return self.wait_delivered(incident.id)

    def wait_delivered(self, incident_id: int, timeout: float = 15.0) -> IncidentView:
        """Wait until the outbox is empty for this incident and return its fresh state."""
        self.settle(timeout)
        incident = self.container.services.incidents.get(incident_id)
        assert incident.channel_id, "channel was not created"
        return incident

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until every queued Slack effect has been delivered (or set aside)."""

        def quiet() -> bool:
            return self.executor.active == 0 and self.container.dispatcher.pending_count() == 0

        wait_until(
            lambda: quiet() and (time.sleep(0.05) or quiet()), timeout, what="listeners and outbox to finish"
        )

    def messages(self, channel_id: str) -> list[Any]:
        return list(self.workspace.messages(channel_id))

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self._server is not None:
            self._server.stop()
        self.container.close()
        self.emulator.stop()


def make_sev1_private(playbooks_dir: Path) -> None:
    """Turn the first severity's ``private:`` setting (SEV1's in the shipped playbooks) on, in place."""
    path = playbooks_dir / "severities.yaml"
    text = path.read_text()
    first = text.index("private:")
    end = text.index("\n", first)
    path.write_text(text[:first] + "private: true" + text[end:])


def private_sev1_playbooks(tmp_path: Path) -> Path:
    """A copy of the shipped playbooks under ``tmp_path`` with SEV1 private."""
    playbooks = tmp_path / "playbooks"
    shutil.copytree(SHIPPED_PLAYBOOKS, playbooks)
    make_sev1_private(playbooks)
    return playbooks


def start_bot(
    database_url: str,
    *,
    workspace: Workspace | None = None,
    emulator: EmulatorServer | None = None,
    playbooks_dir: Path = SHIPPED_PLAYBOOKS,
    clock: Callable[[], datetime] | None = None,
    **overrides: Any,
) -> BotHarness:
    workspace = workspace or Workspace()
    if emulator is None:
        emulator = EmulatorServer(workspace).start()
    settings = get_settings(
        _env_file=None,
        database_url=database_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url,
        playbooks_dir=playbooks_dir,
        outbox_poll_seconds=0.2,
        log_json=False,
        **overrides,
    )
    executor = TrackingExecutor()
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    container = build_container(settings, listener_executor=executor, **kwargs)
    migrate.upgrade(container.engine)
    container.start_background()
    server = BackgroundServer(create_wsgi_app(container), threads=8).start()
    thread = None
    bot_url = server.url.rstrip("/")
    driver = SlackDriver(bot_url, SIGNING_SECRET, workspace)
    return BotHarness(workspace, emulator, container, driver, bot_url, executor, server, thread)


@pytest.fixture
def bot(database_url: str) -> Iterator[BotHarness]:
    """The bot on SQLite and on PostgreSQL, with the shipped playbooks."""
    harness = start_bot(database_url)
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def bot_sqlite(sqlite_url: str) -> Iterator[BotHarness]:
    """The bot on SQLite only, for tests about Slack behaviour rather than the database."""
    harness = start_bot(sqlite_url)
    try:
        yield harness
    finally:
        harness.stop()
