"""published updates: each incident's public face and every update a person published

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("public_title", sa.String(length=200), nullable=False),
        sa.Column("public_status", sa.String(length=32), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("statuspage_incident_id", sa.String(length=64), nullable=True),
        sa.Column("statuspage_marker", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_public_incidents_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_incidents")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_public_incidents_incident_id")),
    )
    op.create_table(
        "public_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("public_title", sa.String(length=200), nullable=False),
        sa.Column("public_status", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=32), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_public_updates_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_updates")),
    )
    op.create_index(
        "ix_public_updates_incident_time", "public_updates", ["incident_id", "published_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_public_updates_incident_time", table_name="public_updates")
    op.drop_table("public_updates")
    op.drop_table("public_incidents")
