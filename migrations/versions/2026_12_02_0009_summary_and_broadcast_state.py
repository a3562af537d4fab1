"""where the incident's summary message is, and what its broadcast message last showed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("summary_ts", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("broadcast_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("broadcast_digest")
        batch.drop_column("summary_ts")
