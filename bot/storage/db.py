"""Engine and session factory, and the unit of work that commits one use case at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
# Set in a session's ``info`` once it has flushed a change: only such a commit runs the after-commit hooks.
_WROTE = "wrote"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for the backend: SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Python's sqlite3 opens transactions lazily; take control so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers serialise up front instead of failing on lock upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _mark_written(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


class UnitOfWork:
    """One transaction per use case: repositories flush, only the unit of work commits.

    After a commit that wrote something, it runs its ``after_commit`` hooks itself (the outbox delivery
    kick, the scheduler wake-up), so no use case has to remember to; a rollback or a read-only
    transaction runs none. A failing hook is logged: the data is committed and the periodic polls catch up.
    """

    def __init__(
        self, session_factory: sessionmaker[Session], after_commit: Sequence[Callable[[], None]] = ()
    ) -> None:
        self._factory = session_factory
        # Kept by reference: hooks appended to the caller's list later are run too.
        self.after_commit: Sequence[Callable[[], None]] = after_commit

    def with_hooks(self, after_commit: Sequence[Callable[[], None]]) -> UnitOfWork:
        """The same database, running ``after_commit`` after each commit that wrote something."""
        return UnitOfWork(self._factory, after_commit)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self._factory()
        event.listen(session, "after_flush", _mark_written)
        try:
            yield session
            session.commit()
            wrote = bool(session.info.get(_WROTE))
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if wrote:
            self._run_hooks()

    def _run_hooks(self) -> None:
        for hook in list(self.after_commit):
            try:
                hook()
            except Exception:  # committed already; the dispatcher poll and the scheduler re-sync catch up
                log.warning("after-commit hook failed", exc_info=True)
