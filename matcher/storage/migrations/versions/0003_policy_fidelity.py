"""policy fidelity (issue 14): hardship-household fields (二十七), the wish to start a business
(十八), post durations (十七), and the 20-day clock's record on the 20-day list (三十九)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seekers") as batch:
        batch.add_column(sa.Column("wants_business", sa.Boolean(), nullable=True))
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("per_capita_income", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("disabled_member", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("military_martyr", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("single_parent_family", sa.Boolean(), nullable=True))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("duration_months", sa.Integer(), nullable=True))
    with op.batch_alter_table("run_families") as batch:
        batch.add_column(
            sa.Column("offers_made", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("first_offer", sa.Date(), nullable=True))
        batch.add_column(sa.Column("covered_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_families") as batch:
        batch.drop_column("covered_on")
        batch.drop_column("first_offer")
        batch.drop_column("offers_made")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("duration_months")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("single_parent_family")
        batch.drop_column("military_martyr")
        batch.drop_column("disabled_member")
        batch.drop_column("per_capita_income")
    with op.batch_alter_table("seekers") as batch:
        batch.drop_column("wants_business")
