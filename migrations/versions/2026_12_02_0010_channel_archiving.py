"""when a resolved incident's channel is due to be archived, and when it was archived

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("archive_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("channel_archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("channel_archived_at")
        batch.drop_column("archive_due_at")
