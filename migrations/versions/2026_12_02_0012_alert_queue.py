"""alerts in: the durable alert queue, the worker lease, the alerts behind incidents and their card summary

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_queue")),
    )
    op.create_index("ix_alert_queue_state_id", "alert_queue", ["state", "id"], unique=False)
    op.create_table(
        "alert_worker_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_alert_worker_leases")),
    )
    op.create_table(
        "incident_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("group_key", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_alerts_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_alerts")),
    )
    op.create_index("ix_incident_alerts_fingerprint", "incident_alerts", ["source", "fingerprint"], unique=False)
    op.create_index("ix_incident_alerts_group_key", "incident_alerts", ["group_key"], unique=False)
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("alert_summary", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("alert_summary")
    op.drop_index("ix_incident_alerts_group_key", table_name="incident_alerts")
    op.drop_index("ix_incident_alerts_fingerprint", table_name="incident_alerts")
    op.drop_table("incident_alerts")
    op.drop_table("alert_worker_leases")
    op.drop_index("ix_alert_queue_state_id", table_name="alert_queue")
    op.drop_table("alert_queue")
