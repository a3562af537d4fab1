"""Apply Alembic migrations from code, serialised across replicas that start at the same time."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# Any constant works; all replicas must agree on it.
_MIGRATION_LOCK_KEY = 0x1_5EED_B07


def alembic_config(url: str) -> Config:
    script_location = Path(str(files("migrations")))
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def _with_lock(engine: Engine, action: str, revision: str) -> None:
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Waiting for another replica's migration, or a long migration, is not a stuck request.
            conn.execute(text("SET statement_timeout = 0"))
            # A session-level advisory lock: the first replica migrates, the others wait, then find nothing to do.
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            _run(cfg, action, revision)
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_KEY})
                conn.execute(text("RESET statement_timeout"))
                conn.commit()


def _run(cfg: Config, action: str, revision: str) -> None:
    if action == "upgrade":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    _with_lock(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _with_lock(engine, "downgrade", revision)


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def current_heads(conn: Connection) -> set[str]:
    """The revisions the database is at (empty before the first migration)."""
    return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions() -> set[str]:
    """The revisions the shipped migrations end at."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
