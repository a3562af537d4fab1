"""Engine and session factory, and the unit of work that commits one use case at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
# Set in a session's ``info`` once it has flushed a change: only such a commit runs the after-commit hooks.
_WROTE = "wrote"

# PostgreSQL on the request path answers within a few seconds or not at all: a connection attempt gives up
# after CONNECT_TIMEOUT_S (libpq's minimum is 2), a free pooled connection is waited for POOL_TIMEOUT_S, and
# the server cancels a statement after STATEMENT_TIMEOUT_MS (migrations lift it on their own connection).
# Keepalives and the TCP user timeout notice a server that vanished without closing the connection.
CONNECT_TIMEOUT_S = 2
POOL_TIMEOUT_S = 2.0
STATEMENT_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
}


class DatabaseUnavailable(Exception):
    """The database could not be reached, or did not answer in time; the transaction was not committed."""


def is_unavailable(error: BaseException) -> bool:
    """True for errors meaning "the database is not answering" rather than "this statement is wrong"."""
    if isinstance(error, DatabaseUnavailable | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    return False


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
    if url.startswith("postgresql"):
        kwargs = {"connect_args": postgres_connect_args(url), "pool_timeout": POOL_TIMEOUT_S, **kwargs}
    # Pre-ping: a connection broken by a database restart is replaced on checkout, without a bot restart.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def on_statement(engine: Engine, callback: Callable[[], None]) -> None:
    """Call ``callback()`` after every SQL statement the engine runs (the statement counter on /metrics)."""

    @event.listens_for(engine, "after_cursor_execute")
    def _counted(*_args: Any) -> None:
        callback()


def postgres_connect_args(url: str) -> dict[str, Any]:
    """The timeouts above, under what the URL sets itself (its ``options`` come last, so they win)."""
    query = make_url(url).query
    args = {key: value for key, value in POSTGRES_CONNECT_ARGS.items() if key not in query}
    if "options" in query:
        own = query["options"]
        args["options"] = " ".join([POSTGRES_CONNECT_ARGS["options"], *([own] if isinstance(own, str) else own)])
    return args


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _mark_written(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


class UnitOfWork:
    """One transaction per use case: repositories flush, only the unit of work commits.

    After a commit that wrote something, it runs its ``after_commit`` hooks itself (the outbox delivery
    kick, the scheduler wake-up), so no use case has to remember to; a rollback or a read-only
    transaction runs none. A failing hook is logged: the data is committed and the periodic polls catch up.
    A database that cannot be reached (or times out) surfaces as ``DatabaseUnavailable``.
    """

    def __init__(
        self, session_factory: sessionmaker[Session], after_commit: Sequence[Callable[[], None]] = ()
    ) -> None:
        self.session_factory = session_factory
        # Kept by reference: hooks appended to the caller's list later are run too.
        self.after_commit: Sequence[Callable[[], None]] = after_commit

    def with_hooks(self, after_commit: Sequence[Callable[[], None]]) -> UnitOfWork:
        """The same database, running ``after_commit`` after each commit that wrote something."""
        return type(self)(self.session_factory, after_commit)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self.session_factory()
        event.listen(session, "after_flush", _mark_written)
        try:
            yield session
            session.commit()
            wrote = bool(session.info.get(_WROTE))
        except BaseException as error:
            _quietly(session.rollback)
            if is_unavailable(error) and not isinstance(error, DatabaseUnavailable):
                raise DatabaseUnavailable(str(error).splitlines()[0] if str(error) else type(error).__name__) from error
            raise
        finally:
            _quietly(session.close)
        if wrote:
            self._run_hooks()

    def _run_hooks(self) -> None:
        for hook in list(self.after_commit):
            try:
                hook()
            except Exception:  # committed already; the dispatcher poll and the scheduler re-sync catch up
                log.warning("after-commit hook failed", exc_info=True)


def _quietly(action: Callable[[], None]) -> None:
    """Roll back or close a session whose connection may be gone already (that is not a new error)."""
    try:
        action()
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.debug("session clean-up on a lost connection failed", exc_info=True)
