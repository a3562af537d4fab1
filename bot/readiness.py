"""Readiness (``GET /readyz``): database reachable, migrations at head, playbooks loaded, Redis when configured."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.logs import OutageLog
from bot.playbooks.loader import Playbooks
from bot.storage import migrate

log = logging.getLogger(__name__)

# Every check answers within this, so a probe (3 s in the deploy files) always gets an answer.
CHECK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Check:
    """One part of readiness: its name, whether it is ready, and a few words on what was found."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "not ready",
            "failed": self.failed,
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks},
        }


class ReadinessProbe:
    """Runs the checks side by side with a deadline each; logs once when readiness is lost and regained."""

    def __init__(
        self,
        engine: Engine,
        playbooks: Callable[[], Playbooks | None],
        redis_client: Any = None,
        timeout: float = CHECK_TIMEOUT_S,
    ) -> None:
        self.engine = engine
        self.playbooks = playbooks
        self.redis = redis_client
        self.timeout = timeout
        self.heads = migrate.head_revisions()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
        self._outage = OutageLog(log, "not ready")

    def check(self) -> Readiness:
        database = self._pool.submit(self._database)
        redis_check = self._pool.submit(self._redis) if self.redis is not None else None
        checks = [*_waited(database, ("database", "migrations"), self.timeout), self._playbooks()]
        if redis_check is not None:
            checks += _waited(redis_check, ("redis",), self.timeout)
        result = Readiness(tuple(checks))
        if result.ready:
            self._outage.recovered("ready again")
        else:
            self._outage.failed(", ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok))
        return result

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _database(self) -> list[Check]:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                heads = migrate.current_heads(conn)
        except Exception as error:  # any driver error means "not reachable" for readiness
            return [
                Check("database", False, f"unreachable: {_first_line(error)}"),
                Check("migrations", False, "unknown: the database is unreachable"),
            ]
        if heads == self.heads:
            migrations = Check("migrations", True, f"at head {', '.join(sorted(heads))}")
        else:
            found = ", ".join(sorted(heads)) or "none applied"
            migrations = Check(
                "migrations", False, f"at {found}, head is {', '.join(sorted(self.heads))}: run `incident-bot db upgrade`"
            )
        return [Check("database", True, "reachable"), migrations]

    def _playbooks(self) -> Check:
        loaded = self.playbooks()
        if loaded is None or not loaded.severities.ids():
            return Check("playbooks", False, "not loaded")
        return Check("playbooks", True, f"{len(loaded.severities.ids())} severities from {loaded.directory}")

    def _redis(self) -> list[Check]:
        try:
            self.redis.ping()
        except Exception as error:  # any client error means "not reachable"
            return [Check("redis", False, f"unreachable: {_first_line(error)}")]
        return [Check("redis", True, "reachable")]


def _waited(future: Any, names: tuple[str, ...], timeout: float) -> list[Check]:
    try:
        checks: list[Check] = future.result(timeout=timeout)
    except FutureTimeout:
        return [Check(name, False, f"no answer within {timeout:g} s") for name in names]
    return checks


def _first_line(error: BaseException) -> str:
    words = str(error).strip().splitlines()
    return words[0][:200] if words else type(error).__name__
