"""A throwaway PostgreSQL cluster on loopback for tests, run from the local server binaries."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from tests.support.processes import (
    LOOPBACK,
    MissingServerBinary,
    free_port,
    is_executable,
    log_tail,
    make_workdir,
    reap,
    signal_pid,
    spawn,
    track,
    untrack,
)

MIN_POSTGRES_MAJOR = 15
POSTGRES_OS_USER = "postgres"
_READY_TIMEOUT = 60.0
_PORT_CONFLICT = re.compile(
    r"could not bind|Address already in use|could not create any TCP/IP sockets", re.IGNORECASE
)
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}
_PG_INSTALL_HINT = (
    "Install them (Debian: `apt-get install postgresql-15`, or run `scripts/install-system-deps.sh` "
    "as root) or point PG_BINDIR at the directory holding initdb and postgres."
)


def _postgres_major(bindir: Path) -> int:
    result = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    found = re.search(r"(\d+)(?:\.\d+)?", result.stdout)
    return int(found.group(1)) if found else 0


def _has_postgres_server(bindir: Path) -> bool:
    return is_executable(bindir / "initdb") and is_executable(bindir / "postgres")


def _bindir_candidates() -> list[Path]:
    versioned = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()]
    candidates = sorted(versioned, key=lambda p: int(p.parent.name), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return candidates


def find_postgres_bindir() -> Path:
    """Locate the PostgreSQL (15 or newer) server binaries: PG_BINDIR, Debian layout, pg_config, PATH."""
    override = os.environ.get("PG_BINDIR")
    if override:
        bindir = Path(override)
        if not _has_postgres_server(bindir):
            raise MissingServerBinary(f"PG_BINDIR={override} holds no initdb/postgres. {_PG_INSTALL_HINT}")
        return bindir
    seen: list[str] = []
    for bindir in _bindir_candidates():
        if _has_postgres_server(bindir):
            major = _postgres_major(bindir)
            if major >= MIN_POSTGRES_MAJOR:
                return bindir
            seen.append(f"{bindir} (version {major})")
    found = f" Found only: {', '.join(seen)}." if seen else ""
    raise MissingServerBinary(
        f"PostgreSQL {MIN_POSTGRES_MAJOR}+ server binaries (initdb, postgres) were not found in "
        f"/usr/lib/postgresql/*/bin, `pg_config --bindir` or PATH.{found} {_PG_INSTALL_HINT}"
    )


def _server_os_user() -> pwd.struct_passwd | None:
    """Return the account PostgreSQL must run as when we are root (creating it if needed), else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_OS_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                POSTGRES_OS_USER,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return pwd.getpwnam(POSTGRES_OS_USER)


def _runuser() -> str:
    places = ("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
    found = shutil.which("runuser") or next((p for p in places if is_executable(Path(p))), None)
    if not found:
        raise MissingServerBinary("runuser (util-linux) is needed to run PostgreSQL as root's test user.")
    return found


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with trust auth, tuned for speed, not durability."""

    def __init__(
        self, *, database: str = "incident_bot", superuser: str = "postgres", bindir: Path | str | None = None
    ) -> None:
        self.database = _checked_name(database)
        self.superuser = superuser
        self._bindir = Path(bindir) if bindir is not None else None
        self._base: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._launched: tuple[Path, bool] | None = None  # binaries and owner, for resume()

    # -- addresses -----------------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PostgreSQL test server is not started")
        return self._port

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the default database created at start."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of a database on this server."""
        return f"postgresql+psycopg://{self.superuser}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        """Plain libpq connection string, for psycopg.connect."""
        return f"host={self.host} port={self.port} user={self.superuser} dbname={database} connect_timeout=5"

    @property
    def data_dir(self) -> Path:
        return self._require_base() / "data"

    @property
    def log_path(self) -> Path:
        return self._require_base() / "postgres.log"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> PostgresServer:
        """Create the cluster, start it on a free port, wait until it answers, create the database."""
        if self.running:
            return self
        self.stop()
        bindir = self._bindir if self._bindir is not None else find_postgres_bindir()
        if not _has_postgres_server(bindir):
            raise MissingServerBinary(f"{bindir} holds no initdb/postgres. {_PG_INSTALL_HINT}")
        owner = _server_os_user()
        base = make_workdir("pg", "/tmp" if owner else None)
        self._base = base
        track(self)
        try:
            (base / "sock").mkdir()
            if owner is not None:
                for path in (base, base / "sock"):
                    os.chown(path, owner.pw_uid, owner.pw_gid)
            self._initdb(bindir, owner is not None)
            self._launched = (bindir, owner is not None)
            self._launch(bindir, owner is not None)
            self.create_database(self.database)
        except BaseException:
            self.stop()
            raise
        return self

    def _as_owner(self, argv: list[str], as_postgres: bool) -> list[str]:
        return [_runuser(), "-u", POSTGRES_OS_USER, "--", *argv] if as_postgres else argv

    def _initdb(self, bindir: Path, as_postgres: bool) -> None:
        argv = [
            str(bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]
        with self.log_path.open("ab") as log:
            result = subprocess.run(
                self._as_owner(argv, as_postgres),
                cwd=self._require_base(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=180,
            )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed ({result.returncode}):\n{log_tail(self.log_path)}")

    def _launch(self, bindir: Path, as_postgres: bool, fixed_port: int | None = None) -> None:
        settings = [arg for key, value in _FAST_SETTINGS.items() for arg in ("-c", f"{key}={value}")]
        for _attempt in range(1 if fixed_port else 5):
            port = fixed_port or free_port()
            log_offset = self.log_path.stat().st_size
            argv = [
                str(bindir / "postgres"),
                "-D",
                str(self.data_dir),
                "-p",
                str(port),
                "-h",
                LOOPBACK,
                "-k",
                str(self._require_base() / "sock"),
                *settings,
            ]
            self._proc = spawn(
                self._as_owner(argv, as_postgres), cwd=self._require_base(), log_path=self.log_path
            )
            self._port = port
            if self._wait_ready():
                return
            self._halt()
            with self.log_path.open("rb") as log:
                log.seek(log_offset)
                attempt_log = log.read().decode(errors="replace")
            if not _PORT_CONFLICT.search(attempt_log):
                break
        raise RuntimeError(f"PostgreSQL did not start:\n{log_tail(self.log_path)}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + _READY_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running:
                return False
            try:
                with psycopg.connect(self.conninfo(), autocommit=True) as conn:
                    row = conn.execute("SHOW data_directory").fetchone()
                return row is not None and Path(str(row[0])).resolve() == self.data_dir.resolve()
            except psycopg.OperationalError:
                time.sleep(0.05)
        return False

    def _postmaster_pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first)
        except (OSError, IndexError, ValueError, RuntimeError):
            return None

    def _halt(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            pid = self._postmaster_pid() or proc.pid
            signal_pid(pid, signal.SIGINT)  # fast shutdown: roll back and disconnect clients
            if not reap(proc, 20):
                signal_pid(pid, signal.SIGQUIT)
                if not reap(proc, 5):
                    signal_pid(pid, signal.SIGKILL)
                    proc.kill()
                    reap(proc, 5)
        else:
            proc.wait()

    def pause(self) -> None:
        """Shut the server down (fast: clients are disconnected) but keep its data and port for ``resume``."""
        if self._base is None:
            raise RuntimeError("PostgreSQL test server is not started")
        self._halt()

    def resume(self) -> PostgresServer:
        """Start a paused server again, on the same port and with the same data; wait until it answers."""
        if self.running:
            return self
        if self._launched is None or self._port is None:
            raise RuntimeError("PostgreSQL test server was never started")
        self._launch(*self._launched, fixed_port=self._port)
        return self

    def stop(self) -> None:
        """Shut the server down and delete its data; safe to call twice."""
        untrack(self)
        self._halt()
        base, self._base = self._base, None
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------------------------------
    def create_database(self, name: str) -> str:
        """Create an empty database (from template0) and return its SQLAlchemy URL."""
        query = sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(_checked_name(name)))
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(query)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting anyone still attached; no error when it does not exist."""
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_checked_name(name)))
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(query)

    def databases(self) -> list[str]:
        """Names of the databases that accept connections (templates excluded)."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            query = "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1"
            rows = conn.execute(query).fetchall()
        return [str(row[0]) for row in rows]

    def _require_base(self) -> Path:
        if self._base is None:
            raise RuntimeError("PostgreSQL test server is not started")
        return self._base


def _checked_name(name: str) -> str:
    if not _DATABASE_NAME.match(name):
        raise ValueError(f"database name {name!r} must match {_DATABASE_NAME.pattern}")
    return name
