"""Alembic environment: the URL and metadata come from the application, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage import alert_models as _alert_tables  # noqa: F401  (registers its tables)
from bot.storage import followups as _follow_up_tables  # noqa: F401  (registers its tables)
from bot.storage import page_dms as _page_dm_tables  # noqa: F401  (registers its tables)
from bot.storage import postmortems as _postmortem_tables  # noqa: F401  (registers its tables)
from bot.storage import publications as _publication_tables  # noqa: F401  (registers its tables)
from bot.storage import runbook_models as _runbook_tables  # noqa: F401  (registers its tables)
from bot.storage import scheduling_models as _scheduling_tables  # noqa: F401  (registers its tables)
from bot.storage.db import make_engine
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
