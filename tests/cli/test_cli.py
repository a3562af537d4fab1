"""The ``incident-bot`` command as operators run it: serve, health, migrations, playbooks check."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, inspect

from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update({"DATABASE_URL": database_url, "PLAYBOOKS_DIR": str(REPO / "playbooks"), "LOG_JSON": "false"})
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(Workspace()).start()
    yield server
    server.stop()


def _serve(database_url: str, emulator: EmulatorServer, port: int) -> subprocess.Popen[str]:
    env = _env(
        database_url, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s", SLACK_API_URL=emulator.api_url
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_healthy(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("serve did not come up")


def test_two_replicas_start_at_once_migrate_safely_and_report_healthy(
    postgres_url: str, emulator: EmulatorServer
) -> None:
    ports = [_free_port(), _free_port()]
    procs = [_serve(postgres_url, emulator, p) for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            r = _wait_healthy(port, proc)
            assert r.status_code == 200 and r.json() == {"status": "ok"}
            assert requests.get(f"http://127.0.0.1:{port}/nope", timeout=5).status_code == 404
            assert (
                requests.post(f"http://127.0.0.1:{port}/slack/events", data="x", timeout=5).status_code == 401
            )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    assert "incidents" in inspect(create_engine(postgres_url)).get_table_names()


def test_serve_refuses_to_start_without_slack_credentials(sqlite_url: str) -> None:
    result = _run("serve", env=_env(sqlite_url))
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN" in result.stderr


def test_serve_refuses_invalid_playbooks_and_says_where(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "playbooks"
    shutil.copytree(REPO / "playbooks", bad)
    text = (bad / "severities.yaml").read_text().replace("update_every: 15m", "update_every: soon", 1)
    (bad / "severities.yaml").write_text(text)
    env = _env(sqlite_url, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s", PLAYBOOKS_DIR=str(bad))
    result = _run("serve", env=env)
    assert result.returncode != 0
    assert "severities.yaml:" in result.stderr and "update_every" in result.stderr
    assert "refusing to start" in result.stderr


def test_socket_mode_needs_an_app_token(sqlite_url: str) -> None:
    result = _run("socket", env=_env(sqlite_url, SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s"))
    assert result.returncode != 0 and "SLACK_APP_TOKEN" in result.stderr


def test_db_upgrade_and_downgrade(database_url: str) -> None:
    env = _env(database_url)
    up = _run("db", "upgrade", env=env)
    assert up.returncode == 0, up.stderr
    assert "incidents" in inspect(create_engine(database_url)).get_table_names()
    down = _run("db", "downgrade", "base", env=env)
    assert down.returncode == 0, down.stderr
    assert "incidents" not in inspect(create_engine(database_url)).get_table_names()


def test_playbooks_check_ok_and_broken(tmp_path: Path, sqlite_url: str) -> None:
    ok = _run("playbooks", "check", str(REPO / "playbooks"), env=_env(sqlite_url))
    assert ok.returncode == 0 and "ok" in ok.stdout
    bad = tmp_path / "pb"
    shutil.copytree(REPO / "playbooks", bad)
    (bad / "roles.yaml").write_text("roles:\n  ic:\n    name: Incident Commander\n    colour: red\n")
    result = _run("playbooks", "check", str(bad), env=_env(sqlite_url))
    assert result.returncode == 1
    assert "roles.yaml:4: roles.ic.colour:" in result.stdout


def test_serve_with_metrics_port_serves_metrics_there_too(sqlite_url: str, emulator: EmulatorServer) -> None:
    port, metrics_port = _free_port(), _free_port()
    env = _env(
        sqlite_url,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=emulator.api_url,
        METRICS_PORT=str(metrics_port),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_healthy(port, proc)
        for url in (f"http://127.0.0.1:{port}/metrics", f"http://127.0.0.1:{metrics_port}/metrics"):
            scrape = requests.get(url, timeout=5)
            assert scrape.status_code == 200 and "incident_bot_incidents_open" in scrape.text
        # The metrics port serves nothing else.
        assert requests.get(f"http://127.0.0.1:{metrics_port}/healthz", timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.wait(30)


def test_serve_with_status_page_port_serves_the_status_page_alone_there(
    sqlite_url: str, emulator: EmulatorServer
) -> None:
    port, status_port = _free_port(), _free_port()
    env = _env(
        sqlite_url,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=emulator.api_url,
        STATUS_PAGE_PORT=str(status_port),
        STATUS_PAGE_TITLE="Acme status",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_healthy(port, proc)
        public = f"http://127.0.0.1:{status_port}"
        page = requests.get(f"{public}/status", timeout=5)
        assert page.status_code == 200 and "<title>Acme status</title>" in page.text
        assert requests.get(f"{public}/status.json", timeout=5).json()["page"]["title"] == "Acme status"
        assert requests.get(f"{public}/status/feed.atom", timeout=5).status_code == 200
        # Nothing else is reachable through the public port.
        for path in ("/slack/events", "/metrics", "/healthz", "/alerts/generic"):
            assert requests.post(public + path, timeout=5).status_code == 404, path
            assert requests.get(public + path, timeout=5).status_code == 404, path
    finally:
        proc.terminate()
        proc.wait(30)
