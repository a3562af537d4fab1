"""Starts the emulated workspace, the real bot wired to it and the playground page, all on one port."""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bot.config import Settings
from bot.container import Container, build_container
from bot.domain.rotation import on_call
from bot.emulator.api import EmulatorApp
from bot.emulator.driver import SlackDriver
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from bot.playground.app import PlaygroundApp
from bot.playground.sample_alert import AlertSender
from bot.playground.scenario import replay
from bot.playground.scenario_file import Scenario, ScenarioError, Step, load_scenario
from bot.storage import migrate
from bot.web import create_wsgi_app

log = logging.getLogger(__name__)

BOT_TOKEN = "xoxb-playground-local"
SERVER_THREADS = 48


@dataclass
class Playground:
    """A running playground; ``stop()`` shuts everything down."""

    workspace: Workspace
    server: EmulatorServer
    container: Container
    driver: SlackDriver
    page: PlaygroundApp
    _tempdir: tempfile.TemporaryDirectory[str] | None = None
    _stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        """The page's address, e.g. ``http://127.0.0.1:3000/``."""
        return self.server.url

    def stop(self) -> None:
        """Close the page's streams, stop serving, stop the bot's background work."""
        if self._stopped:
            return
        self._stopped = True
        self.page.close()
        deadline = time.monotonic() + 2.0
        while self.page.hub.listeners and time.monotonic() < deadline:
            time.sleep(0.02)  # let open event streams finish before the sockets close
        self.container.close()  # while the emulator still answers, so last deliveries succeed
        self.server.stop()
        self.driver.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()


def playground_settings(settings: Settings, api_url: str, signing_secret: str, database_url: str) -> Settings:
    """The user's settings with Slack pointed at the emulator."""
    return settings.model_copy(
        update={
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": signing_secret,
            "slack_app_token": None,
            "slack_api_url": api_url,
            "database_url": database_url,
            # The "Send test alert" form posts with these (the user's own tokens, when set, are kept).
            "alerts_token_generic": settings.alerts_token_generic or secrets.token_urlsafe(16),
            "alerts_token_alertmanager": settings.alerts_token_alertmanager or secrets.token_urlsafe(16),
        }
    )


def start_playground(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 3000,
    workspace: Workspace | None = None,
    database_url: str | None = None,
) -> Playground:
    """Serve the workspace's Web API, the bot's ``/slack/events`` and the page on ``host:port`` (0 picks one).

    The bot gets a fresh SQLite database unless ``database_url`` is given: the emulated workspace
    lives in memory, so incidents from an earlier run would point at channels that no longer exist.
    """
    ws = workspace or Workspace(team_domain="acme")
    tempdir: tempfile.TemporaryDirectory[str] | None = None
    if database_url is None:
        tempdir = tempfile.TemporaryDirectory(prefix="incident-playground-")
        database_url = f"sqlite:///{Path(tempdir.name) / 'playground.db'}"
    emulator = EmulatorApp(ws)
    server = EmulatorServer(ws, host=host, port=port, threads=SERVER_THREADS, app=emulator).start()
    signing_secret = secrets.token_hex(16)
    try:
        container = build_container(
            playground_settings(settings, server.api_url, signing_secret, database_url)
        )
        migrate.upgrade(container.engine)
    except BaseException:
        server.stop()
        if tempdir is not None:
            tempdir.cleanup()
        raise
    bot = create_wsgi_app(container)
    emulator.mount("/slack/", bot)
    emulator.mount("/healthz", bot)
    emulator.mount("/readyz", bot)
    emulator.mount("/alerts/", bot)
    # The public status page, beside the fake workspace (the page's sidebar links to it).
    emulator.mount("/status", bot)
    driver = SlackDriver(server.url, signing_secret, ws)
    def on_call_now() -> dict[str, str | None]:
        now = datetime.now(UTC)
        return {sid: on_call(s, now) for sid, s in container.playbooks.oncall.schedules.items()}

    tokens = {
        "generic": container.settings.alerts_token_generic,
        "alertmanager": container.settings.alerts_token_alertmanager,
    }
    page = PlaygroundApp(ws, driver, on_call=on_call_now, alerts=AlertSender(server.url, tokens))
    emulator.mount("/", page)
    container.start_background()
    return Playground(ws, server, container, driver, page, tempdir)


def run_playground(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 3000,
    scenario: Path | None = None,
    speed: float = 1.0,
) -> int:
    """Run until Ctrl-C (or SIGTERM); with ``scenario``, replay it at ``speed`` once the page is up.

    Returns the process exit code: 0 after a normal stop, 2 when the scenario or the port is unusable.
    """
    try:
        script = load_scenario(scenario) if scenario is not None else None
        if speed <= 0:
            raise ScenarioError("--speed must be positive")
    except ScenarioError as exc:
        print(f"Cannot replay the scenario: {exc}", file=sys.stderr)
        return 2
    try:
        playground = start_playground(settings, host=host, port=port)
    except OSError as exc:
        print(f"Cannot serve on {host}:{port}: {exc.strerror or exc}; try --port", file=sys.stderr)
        return 2
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal) if in_main else None
    print(f"Incident bot playground: {playground.url}  (Ctrl-C to stop)", flush=True)
    try:
        if script is not None:
            print(f"Replaying {script.name!r} at {speed:g}x; watch it in the page.", flush=True)
            worker = threading.Thread(
                target=_replay_quietly, args=(playground, script, speed, stop), name="scenario", daemon=True
            )
            worker.start()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if in_main:
            # A second Ctrl-C must not cut the shutdown short and leave threads half-stopped.
            previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            playground.stop()
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
                signal.signal(signal.SIGINT, previous_int)
    print("Playground stopped.", flush=True)
    return 0


def print_note(step: Step) -> None:
    """A scenario step's ``note:`` on the console, for whoever runs the game day from a terminal."""
    if step.note:
        print(f"  > {step.note}", flush=True)


def _replay_quietly(playground: Playground, script: Scenario, speed: float, stop: threading.Event) -> None:
    try:
        replay(playground, script, speed=speed, stop=stop, on_step=print_note)
        print("Scenario finished; the playground stays up.", flush=True)
    except ScenarioError as exc:
        log.error("scenario stopped: %s", exc)
        print(f"Scenario stopped: {exc}", flush=True)
