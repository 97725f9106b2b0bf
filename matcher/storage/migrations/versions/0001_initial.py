"""initial schema: domain tables, api keys, runs, outputs, offers

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=4), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_keys")),
    )
    op.create_table(
        "employers",
        sa.Column("employer_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("city", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("employer_id", name=op.f("pk_employers")),
    )
    with op.batch_alter_table("employers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employers_city"), ["city"], unique=False)

    op.create_table(
        "households",
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("zero_employment", sa.Boolean(), nullable=True),
        sa.Column("zero_employment_since", sa.Date(), nullable=True),
        sa.Column("minimum_allowance", sa.Boolean(), nullable=True),
        sa.Column("near_minimum", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_households")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_city"), ["city"], unique=False)

    op.create_table(
        "posts",
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("program", sa.Text(), nullable=True),
        sa.Column("employer_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("post_type", sa.Text(), nullable=True),
        sa.Column("occupation_code", sa.Text(), nullable=True),
        sa.Column("city", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("area", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("min_education", sa.Text(), nullable=True),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("wanted_skills", sa.Text(), nullable=True),
        sa.Column("wage", sa.Integer(), nullable=True),
        sa.Column("posted_date", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("filled", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posts_city"), ["city"], unique=False)

    op.create_table(
        "runs",
        sa.Column("run_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("city", sa.String(length=4), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("input_hash", sa.String(length=64), nullable=True),
        sa.Column("config_json", sa.Text(), nullable=False),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("code_version", sa.String(length=32), nullable=False),
        sa.Column("output_hash", sa.String(length=64), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("timings_json", sa.Text(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_week"), ["week"], unique=False)

    op.create_table(
        "seekers",
        sa.Column("seeker_id", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("city", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("hukou", sa.Text(), nullable=True),
        sa.Column("education", sa.Text(), nullable=True),
        sa.Column("graduation_year", sa.Integer(), nullable=True),
        sa.Column("major", sa.Text(), nullable=True),
        sa.Column("skills", sa.Text(), nullable=True),
        sa.Column("desired_titles", sa.Text(), nullable=True),
        sa.Column("reservation_wage", sa.Integer(), nullable=True),
        sa.Column("registered_unemployed", sa.Boolean(), nullable=True),
        sa.Column("unemployed_since", sa.Date(), nullable=True),
        sa.Column("registered_date", sa.Date(), nullable=True),
        sa.Column("household_id", sa.String(length=64), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=True),
        sa.Column("returning_migrant", sa.Boolean(), nullable=True),
        sa.Column("laid_off", sa.Boolean(), nullable=True),
        sa.Column("demobilised_soldier", sa.Boolean(), nullable=True),
        sa.Column("model_worker", sa.Boolean(), nullable=True),
        sa.Column("military_spouse", sa.Boolean(), nullable=True),
        sa.Column("martyr_family", sa.Boolean(), nullable=True),
        sa.Column("single_parent", sa.Boolean(), nullable=True),
        sa.Column("cadre", sa.Boolean(), nullable=True),
        sa.Column("placed_week", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("seeker_id", name=op.f("pk_seekers")),
        sa.UniqueConstraint("id_number", name=op.f("uq_seekers_id_number")),
    )
    with op.batch_alter_table("seekers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seekers_city"), ["city"], unique=False)

    op.create_table(
        "offers",
        sa.Column("offer_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=4), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("seeker_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=op.f("fk_offers_run_id_runs")),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_offers")),
        sa.UniqueConstraint("run_id", "seeker_id", name=op.f("uq_offers_run_id_seeker_id")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_seeker_id"), ["seeker_id"], unique=False)

    op.create_table(
        "run_families",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("registered", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("days_left", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("best_posts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_families_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "household_id", name=op.f("pk_run_families")),
    )
    op.create_table(
        "run_placements",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seeker_id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("program", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_placements_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "seeker_id", name=op.f("pk_run_placements")),
    )
    op.create_table(
        "run_recommendations",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seeker_id", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_recommendations_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "seeker_id", "rank", name=op.f("pk_run_recommendations")),
    )
    with op.batch_alter_table("run_recommendations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_run_recommendations_run_seeker", ["run_id", "seeker_id"], unique=False
        )

    op.create_table(
        "run_shortlists",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.String(length=64), nullable=False),
        sa.Column("seeker_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name=op.f("fk_run_shortlists_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "post_id", "rank", name=op.f("pk_run_shortlists")),
    )
    with op.batch_alter_table("run_shortlists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_run_shortlists_employer_id"), ["employer_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("run_shortlists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_shortlists_employer_id"))

    op.drop_table("run_shortlists")
    with op.batch_alter_table("run_recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_run_recommendations_run_seeker")

    op.drop_table("run_recommendations")
    op.drop_table("run_placements")
    op.drop_table("run_families")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_seeker_id"))
        batch_op.drop_index(batch_op.f("ix_offers_run_id"))
        batch_op.drop_index(batch_op.f("ix_offers_city"))

    op.drop_table("offers")
    with op.batch_alter_table("seekers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seekers_city"))

    op.drop_table("seekers")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_week"))
        batch_op.drop_index(batch_op.f("ix_runs_status"))
        batch_op.drop_index(batch_op.f("ix_runs_city"))

    op.drop_table("runs")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posts_city"))

    op.drop_table("posts")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_city"))

    op.drop_table("households")
    with op.batch_alter_table("employers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employers_city"))

    op.drop_table("employers")
    op.drop_table("api_keys")
