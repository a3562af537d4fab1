"""Process plumbing shared by the loopback test servers: ports, binaries, cleanup at exit."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

LOOPBACK = "127.0.0.1"
WORKDIR_PREFIX = "incident-bot-test-"
_OWNER_FILE = "owner.pid"
_PR_SET_PDEATHSIG = 1


class MissingServerBinary(RuntimeError):
    """A server program the test suite needs is not installed."""


class Stoppable(Protocol):
    """Anything the exit hook can shut down."""

    def stop(self) -> None: ...


_live: dict[int, Stoppable] = {}
_live_lock = threading.Lock()
_hook_installed = False


def track(server: Stoppable) -> None:
    """Remember a running server so it is stopped when the interpreter exits."""
    global _hook_installed
    with _live_lock:
        _live[id(server)] = server
        if not _hook_installed:
            atexit.register(stop_all)
            _hook_installed = True


def untrack(server: Stoppable) -> None:
    """Forget a server that has been stopped."""
    with _live_lock:
        _live.pop(id(server), None)


def stop_all() -> None:
    """Stop every server still running; used at interpreter exit."""
    with _live_lock:
        servers = list(_live.values())
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def free_port() -> int:
    """Return a TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_open(port: int, host: str = LOOPBACK) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def is_executable(path: Path) -> bool:
    """Tell whether path is an executable regular file."""
    return path.is_file() and os.access(path, os.X_OK)


def die_with_parent() -> Callable[[], None] | None:
    """Build a pre-exec hook asking Linux to send SIGTERM to the child when the parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return hook


def spawn(argv: list[str], *, cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Start a long-running server process with its output appended to log_path."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent(),
        )


def log_tail(log_path: Path, lines: int = 30) -> str:
    """Return the last lines of a server log, for error messages."""
    try:
        text = log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def signal_pid(pid: int, signum: int) -> bool:
    """Send a signal to a process id; False when the process is already gone."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return False
    return True


def reap(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for a child to exit; False when it is still running after timeout seconds."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_workdirs() -> list[Path]:
    """Delete working directories left behind by test processes that died without cleaning up."""
    removed: list[Path] = []
    for parent in sorted({Path(tempfile.gettempdir()), Path("/tmp")}):
        for base in parent.glob(f"{WORKDIR_PREFIX}*"):
            try:
                owner = int((base / _OWNER_FILE).read_text())
            except (OSError, ValueError):
                continue
            if not _alive(owner):
                shutil.rmtree(base, ignore_errors=True)
                removed.append(base)
    return removed


def make_workdir(kind: str, parent: str | None = None) -> Path:
    """Create a private working directory owned by this process, after sweeping stale ones."""
    sweep_stale_workdirs()
    base = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{kind}-", dir=parent))
    (base / _OWNER_FILE).write_text(str(os.getpid()))
    return base
