"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and undo it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import MetaData, create_engine, inspect

from bot.scheduling.runner import JOBS_TABLE
from bot.storage import alert_models as _alert_tables  # noqa: F401  (registers its tables)
from bot.storage import followups as _follow_up_tables  # noqa: F401  (registers its tables)
from bot.storage import migrate
from bot.storage import page_dms as _page_dm_tables  # noqa: F401  (registers its tables)
from bot.storage import postmortems as _postmortem_tables  # noqa: F401  (registers its tables)
from bot.storage import publications as _publication_tables  # noqa: F401  (registers its tables)
from bot.storage import runbook_models as _runbook_tables  # noqa: F401  (registers its tables)
from bot.storage import scheduling_models as _scheduling_tables  # noqa: F401  (registers its tables)
from bot.storage.db import make_engine
from bot.storage.models import Base


def _expected_schema() -> MetaData:
    """The models' tables plus the scheduler's job store table as APScheduler defines it."""
    combined = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(combined)
    store = SQLAlchemyJobStore(engine=create_engine("sqlite://"), tablename=JOBS_TABLE)
    store.jobs_t.to_metadata(combined)
    return combined


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, _expected_schema())
        assert differences == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert JOBS_TABLE in inspect(engine).get_table_names()
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
