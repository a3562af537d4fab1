"""What every figure shares: result rows, percentiles, a load generator and the started servers.

`BenchEnv` starts PostgreSQL and Redis (the test suite's loopback servers) once, hands each figure a fresh
database, an emulated Slack workspace (optionally answering every Web API call after a delay) and real
`incident-bot serve` processes (or the bare Bolt app of `bench/bare.py`) against them.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.emulator.driver import SlackDriver
from bot.emulator.server import EmulatorServer
from bot.emulator.workspace import Workspace
from tests.support.postgres_server import PostgresServer
from tests.support.processes import LOOPBACK, die_with_parent, free_port, log_tail, make_workdir
from tests.support.redis_server import RedisServer

REPO = Path(__file__).resolve().parents[1]
SHIPPED_PLAYBOOKS = REPO / "playbooks"
SIGNING_SECRET = "bench-signing-secret"
BOT_THREADS = 16


@dataclass(frozen=True)
class Row:
    """One measured number of one figure; `target` and `ok` say whether it met its goal, when it has one."""

    figure: str
    case: str
    metric: str
    value: float
    unit: str
    target: str | None = None
    ok: bool | None = None


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (`pct` in 0..100) of `values`; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def run_concurrently(concurrency: int, per_worker: int, one: Callable[[int, int], None]) -> list[float]:
    """Run `one(worker, i)` `per_worker` times in each of `concurrency` threads; each call's seconds."""
    start = threading.Barrier(concurrency)
    times: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        start.wait()
        for i in range(per_worker):
            began = time.perf_counter()
            one(n, i)
            elapsed = time.perf_counter() - began
            with lock:
                times.append(elapsed)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(worker, n) for n in range(concurrency)]:
            future.result()
    return times


@dataclass
class ServedApp:
    """A server process started for a figure: `incident-bot serve` or the bare Bolt app."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def driver(self, workspace: Workspace, timeout: float = 30.0) -> SlackDriver:
        """A signed-request sender to this process (one per thread: each holds an HTTP session)."""
        return SlackDriver(self.url, SIGNING_SECRET, workspace, timeout=timeout)

    def wait_healthy(self, timeout: float = 60.0) -> ServedApp:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{log_tail(self.log)}")
            if self.healthy():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy after {timeout}s:\n{log_tail(self.log)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class BenchEnv:
    """The servers a figure measures against; use as a context manager (everything stops on exit)."""

    workdir: Path = field(default_factory=lambda: make_workdir("bench"))
    _postgres: PostgresServer | None = None
    _redis: RedisServer | None = None
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _figure: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _databases: int = 0
    _redis_dbs: int = 0

    @classmethod
    def using(cls, postgres: PostgresServer | None = None, redis: RedisServer | None = None) -> BenchEnv:
        """An environment on servers already running (the test suite's); it leaves them running."""
        return cls(_postgres=postgres, _redis=redis)

    def __enter__(self) -> BenchEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self._figure.close()
        self._stack.close()

    @contextlib.contextmanager
    def figure(self) -> Iterator[None]:
        """One figure's scope: the processes and workspaces it starts stop when it ends, so none of its
        background work runs into the next figure (PostgreSQL and Redis stay up)."""
        try:
            yield
        finally:
            self._figure.close()

    # -- servers -----------------------------------------------------------------------------------
    @property
    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            self._postgres = self._stack.enter_context(PostgresServer())
        return self._postgres

    @property
    def redis(self) -> RedisServer:
        if self._redis is None:
            self._redis = self._stack.enter_context(RedisServer())
        return self._redis

    def postgres_version(self) -> str:
        """The PostgreSQL server's version string, e.g. `15.8`."""
        import psycopg

        with psycopg.connect(self.postgres.conninfo()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def database(self, name: str) -> str:
        """A fresh, empty PostgreSQL database for one figure; its SQLAlchemy URL."""
        self._databases += 1
        return self.postgres.create_database(f"bench_{name}_{self._databases}")

    def sqlite(self, name: str) -> str:
        """A fresh SQLite file for one figure; its SQLAlchemy URL."""
        self._databases += 1
        return f"sqlite:///{self.workdir / f'{name}_{self._databases}.db'}"

    def slack(self, delay_ms: float = 0.0, threads: int = 32) -> tuple[Workspace, EmulatorServer]:
        """A new emulated workspace served over HTTP, answering every Web API call after `delay_ms`."""
        workspace = Workspace()
        if delay_ms:
            workspace.delay_calls(delay_ms / 1000)
        server = EmulatorServer(workspace, threads=threads).start()
        self._figure.callback(server.stop)
        return workspace, server

    # -- processes ---------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> ServedApp:
        port = free_port()
        log = self.workdir / f"{name}-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*argv, "--host", LOOPBACK, "--port", str(port)], env=env, cwd=REPO,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent(),
            )
        app = ServedApp(name, f"http://{LOOPBACK}:{port}", proc, log)
        self._figure.callback(app.stop)
        return app.wait_healthy()

    def serve_bot(
        self, database_url: str, slack: EmulatorServer, *, redis: bool = True,
        playbooks_dir: Path = SHIPPED_PLAYBOOKS, **settings: str,
    ) -> ServedApp:
        """A real `incident-bot serve` process (migrating its database) against these servers.

        Each process gets a Redis database of its own, so Slack rate budgets one process spent (they are
        kept in Redis) never slow another figure's. `SLACK_RATE_LIMIT_FACTOR="1000"` lifts the tiers."""
        env = _base_env()
        env.update(
            DATABASE_URL=database_url, SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url, PLAYBOOKS_DIR=str(playbooks_dir), LOG_LEVEL="WARNING",
            **settings,
        )
        if redis:
            self._redis_dbs += 1
            env["REDIS_URL"] = self.redis.url_for(self._redis_dbs % 16)
        argv = [sys.executable, "-m", "bot", "serve", "--threads", str(BOT_THREADS)]
        return self._spawn("incident-bot", argv, env)

    def serve_bare(self, slack: EmulatorServer) -> ServedApp:
        """The floor: a Bolt app on the same server stack (Flask, waitress, same threads) that only acks."""
        env = _base_env()
        env.update(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.api_url)
        argv = [sys.executable, "-m", "bench.bare", "--threads", str(BOT_THREADS)]
        return self._spawn("bare-bolt", argv, env)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REDIS_", "DATABASE_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


@contextlib.contextmanager
def timed(out: list[float]) -> Iterator[None]:
    """Append the seconds the block took to `out`."""
    began = time.perf_counter()
    try:
        yield
    finally:
        out.append(time.perf_counter() - began)


class SlackActivity:
    """Watches an emulated workspace: when each event happened (monotonic seconds), and when it went quiet."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.events: list[tuple[float, dict[str, object]]] = []
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self.unsubscribe = workspace.subscribe(self._seen)

    def _seen(self, event: dict[str, object]) -> None:
        now = time.monotonic()
        with self._lock:
            self.events.append((now, event))
            self._last = now

    def since(self, began: float) -> list[tuple[float, dict[str, object]]]:
        with self._lock:
            return [(t, e) for t, e in self.events if t >= began]

    def wait_quiet(self, quiet_s: float = 0.5, timeout: float = 120.0) -> None:
        """Wait until the bot has made no Slack call for `quiet_s` (its work after the acks is done)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = time.monotonic() - self._last
            if idle >= quiet_s:
                return
            time.sleep(min(0.1, quiet_s - idle + 0.01))
