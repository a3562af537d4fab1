"""the scheduler's job store table, owned by the migrations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 20:10:00.000000

APScheduler's SQLAlchemyJobStore would create this table itself when the first leader starts; creating it
here keeps the whole schema under Alembic (upgrade and downgrade). Installations where APScheduler
already created it keep theirs: the definition is the same.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "apscheduler_jobs"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{TABLE}_next_run_time", TABLE, ["next_run_time"], unique=False)


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_next_run_time", table_name=TABLE)
    op.drop_table(TABLE)
