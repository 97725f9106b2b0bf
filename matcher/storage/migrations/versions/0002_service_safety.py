"""service safety: one running run per city and week, replacing runs, key expiry, dashboard
sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    runs = sa.table(
        "runs",
        sa.column("run_id", sa.Integer),
        sa.column("city", sa.String),
        sa.column("week", sa.String),
        sa.column("status", sa.String),
    )
    # Before the index can exist, older duplicates of a running city-week (left by a crash)
    # are what the service would call them anyway: abandoned.
    newest = (
        sa.select(sa.func.max(runs.c.run_id))
        .where(runs.c.status == "running")
        .group_by(runs.c.city, runs.c.week)
    )
    op.execute(
        runs.update()
        .where(runs.c.status == "running", runs.c.run_id.not_in(newest))
        .values(status="abandoned")
    )
    with op.batch_alter_table("runs") as batch:
        batch.add_column(
            sa.Column("supersede", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "uq_runs_city_week_running",
        "runs",
        ["city", "week"],
        unique=True,
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    op.create_table(
        "dashboard_sessions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["api_keys.key_id"],
            name=op.f("fk_dashboard_sessions_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_dashboard_sessions")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_sessions")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
    op.drop_index("uq_runs_city_week_running", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("supersede")
