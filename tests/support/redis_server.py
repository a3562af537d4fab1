"""A redis-server on loopback for tests, with persistence off and a stable port across restarts."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis

from tests.support.processes import (
    LOOPBACK,
    MissingServerBinary,
    free_port,
    is_executable,
    log_tail,
    make_workdir,
    reap,
    spawn,
    track,
    untrack,
)

_READY_TIMEOUT = 60.0


def find_redis_server() -> Path:
    """Locate the redis-server program: REDIS_SERVER, PATH, then the usual system directories."""
    override = os.environ.get("REDIS_SERVER")
    candidates = (
        [override]
        if override
        else [
            shutil.which("redis-server"),
            "/usr/bin/redis-server",
            "/usr/sbin/redis-server",
            "/usr/local/bin/redis-server",
        ]
    )
    for candidate in candidates:
        if candidate and is_executable(Path(candidate)):
            return Path(candidate)
    raise MissingServerBinary(
        "redis-server was not found (REDIS_SERVER, PATH, /usr/bin, /usr/sbin, /usr/local/bin). Install it "
        "(Debian: `apt-get install redis-server`, or run `scripts/install-system-deps.sh` as root)."
    )


class RedisServer:
    """A redis-server on 127.0.0.1 with persistence off; it keeps its port across kill() and start()."""

    def __init__(self, *, port: int | None = None, executable: Path | str | None = None) -> None:
        self._port = port
        self._executable = Path(executable) if executable is not None else None
        self._base: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("Redis test server is not started")
        return self._port

    @property
    def url(self) -> str:
        return self.url_for(0)

    def url_for(self, db: int) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc is not None else None

    @property
    def log_path(self) -> Path:
        if self._base is None:
            raise RuntimeError("Redis test server is not started")
        return self._base / "redis.log"

    def client(self, db: int = 0) -> redis.Redis:
        """A new client for this server; the caller closes it."""
        return redis.Redis(host=self.host, port=self.port, db=db, socket_timeout=5, socket_connect_timeout=5)

    def start(self) -> RedisServer:
        """Start (or start again, on the same port) and wait until it answers PING."""
        if self.running:
            return self
        executable = self._executable if self._executable is not None else find_redis_server()
        if not is_executable(executable):
            raise MissingServerBinary(f"redis-server not found at {executable}")
        if self._base is None:
            self._base = make_workdir("redis")
        track(self)
        pinned = self._port is not None
        try:
            for _attempt in range(1 if pinned else 5):
                port = self._port if self._port is not None else free_port()
                argv = [
                    str(executable),
                    "--port",
                    str(port),
                    "--bind",
                    LOOPBACK,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self._base),
                    "--daemonize",
                    "no",
                    "--loglevel",
                    "warning",
                ]
                self._proc = spawn(argv, cwd=self._base, log_path=self.log_path)
                if self._wait_ready(port):
                    self._port = port
                    return self
                self.kill()
            raise RuntimeError(f"redis-server did not start:\n{log_tail(self.log_path)}")
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, port: int) -> bool:
        deadline = time.monotonic() + _READY_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running or self._proc is None:
                return False
            probe = redis.Redis(host=self.host, port=port, socket_timeout=2, socket_connect_timeout=0.5)
            try:
                ours = probe.ping() and int(probe.info("server")["process_id"]) == self._proc.pid
                return bool(ours)
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
            finally:
                probe.close()
        return False

    def kill(self) -> None:
        """Kill the process abruptly (SIGKILL), as a crash would; start() brings it back on the same port."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()

    def restart(self) -> RedisServer:
        """Kill and start again on the same port, losing all data."""
        self.kill()
        return self.start()

    def reset(self) -> None:
        """Bring the server back if it was killed, then empty every database."""
        if not self.running:
            self.start()
        client = self.client()
        try:
            client.flushall()
        finally:
            client.close()

    def stop(self) -> None:
        """Shut down cleanly and delete the working directory; safe to call twice."""
        untrack(self)
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            if not reap(proc, 10):
                proc.kill()
                reap(proc, 5)
        base, self._base = self._base, None
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
