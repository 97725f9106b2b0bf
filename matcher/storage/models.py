"""Database tables: the domain tables built from their :mod:`matcher.schemas` specs, and the
service's own tables (API keys, runs and their outputs, offers).

The domain tables take their columns from the same :class:`~matcher.schemas.tables.TableSpec`
the file loader validates against, so a column is declared in one place. Each gets a little
state the files do not carry: ``seekers.placed_week`` (the week an accepted offer took the seeker
out of the pool) and ``posts.filled`` (places taken by accepted offers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from matcher.schemas.columns import (
    BEST_POSTS,
    CITY,
    COVERED_ON,
    DAYS_LEFT,
    DEADLINE,
    DISTRICT,
    EMPLOYER_ID,
    FIRST_OFFER,
    HOUSEHOLD_ID,
    MEMBERS,
    OFFERS_MADE,
    OUTCOME,
    POST_ID,
    PROGRAM,
    RANK,
    REASON,
    REGISTERED,
    RUN_ID,
    SCORE,
    SEEKER_ID,
    STATUS,
    TIER,
    WEEK,
)
from matcher.schemas.tables import TABLES, ColumnSpec, TableSpec

# Stable constraint names, so migrations name them the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The domain tables kept in the database (training sessions and placement history stay files).
STORED_TABLES: tuple[str, ...] = ("households", "employers", "seekers", "posts")

#: Id columns hold short codes; 64 characters is ample and keeps PostgreSQL indexes small.
_ID_LENGTH = 64


class Base(DeclarativeBase):
    """Declarative base sharing one metadata (with the naming convention)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sql_type(column: ColumnSpec) -> TypeEngine[Any]:
    types: dict[str, TypeEngine[Any]] = {
        "str": String(_ID_LENGTH) if column.name.endswith("_id") else Text(),
        "int": Integer(),
        "float": Float(),
        "bool": Boolean(),
        "date": Date(),
        "list": Text(),
    }
    if column.name in ("city", "district", "id_number"):
        return String(_ID_LENGTH)
    return types[column.type]


def _domain_table(spec: TableSpec, *extra: Column[Any]) -> Table:
    columns: list[Column[Any]] = []
    for column in spec.columns:
        is_key = column.name == spec.key
        columns.append(
            Column(
                column.name,
                _sql_type(column),
                primary_key=is_key,
                # Optional columns may be absent from a batch; they are stored as NULL then.
                nullable=not is_key,
                unique=column.unique and not is_key,
                index=column.name == "city",
            )
        )
    return Table(spec.name, Base.metadata, *columns, *extra)


households = _domain_table(TABLES["households"])
employers = _domain_table(TABLES["employers"])
seekers = _domain_table(
    TABLES["seekers"],
    Column("placed_week", String(10), nullable=True),
)
posts = _domain_table(
    TABLES["posts"],
    Column("filled", Integer, nullable=False, server_default="0"),
)

DOMAIN_TABLES: dict[str, Table] = {
    "households": households,
    "employers": employers,
    "seekers": seekers,
    "posts": posts,
}


class ApiKey(Base):
    """An API key: only a SHA-256 digest of its secret is stored, never the secret."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # "province" or "city"
    city: Mapped[str | None] = mapped_column(String(4), nullable=True)
    label: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: After this (UTC) the key no longer works; ``None``: no expiry.
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class DashboardSession(Base):
    """A logged-in dashboard session: the browser holds a random id, the database its SHA-256
    and the key it acts for (never the key itself)."""

    __tablename__ = "dashboard_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.key_id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Run(Base):
    """One weekly run. Rows of the output tables exist only for runs whose status is
    ``succeeded``: they are written in the same transaction that flips the status."""

    __tablename__ = "runs"
    # At most one run of a city's week computes at a time: enforced by the database, so two
    # processes (CLI and API, or two API workers) starting the same week cannot both succeed.
    __table_args__ = (
        Index(
            "uq_runs_city_week_running",
            CITY,
            WEEK,
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    run_id: Mapped[int] = mapped_column(RUN_ID, Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(CITY, String(4), index=True)
    week: Mapped[str] = mapped_column(WEEK, String(10), index=True)  # ISO week, e.g. 2009-W12
    status: Mapped[str] = mapped_column(STATUS, String(16), index=True)
    reference_date: Mapped[dt.date] = mapped_column(Date)
    input_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    config_json: Mapped[str] = mapped_column(Text)
    config_hash: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(32))
    output_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(32), default="queued")
    worker: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    timings_json: Mapped[str] = mapped_column(Text, default="{}")
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Started with ``--replace``: its commit supersedes the week's earlier pending offers.
    supersede: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RunRecommendation(Base):
    """A seeker's recommended vacancies (congestion-aware lists), with reasons in Chinese."""

    __tablename__ = "run_recommendations"
    __table_args__ = (Index("ix_run_recommendations_run_seeker", RUN_ID, SEEKER_ID),)

    run_id: Mapped[int] = mapped_column(RUN_ID, ForeignKey(f"runs.{RUN_ID}"), primary_key=True)
    seeker_id: Mapped[str] = mapped_column(SEEKER_ID, String(_ID_LENGTH), primary_key=True)
    rank: Mapped[int] = mapped_column(RANK, Integer, primary_key=True)
    post_id: Mapped[str] = mapped_column(POST_ID, String(_ID_LENGTH))
    score: Mapped[float] = mapped_column(SCORE, Float)
    reason: Mapped[str] = mapped_column(REASON, Text)


class RunShortlist(Base):
    """An employer's shortlist of seekers for one vacancy."""

    __tablename__ = "run_shortlists"

    run_id: Mapped[int] = mapped_column(RUN_ID, ForeignKey(f"runs.{RUN_ID}"), primary_key=True)
    post_id: Mapped[str] = mapped_column(POST_ID, String(_ID_LENGTH), primary_key=True)
    rank: Mapped[int] = mapped_column(RANK, Integer, primary_key=True)
    employer_id: Mapped[str] = mapped_column(EMPLOYER_ID, String(_ID_LENGTH), index=True)
    seeker_id: Mapped[str] = mapped_column(SEEKER_ID, String(_ID_LENGTH))
    score: Mapped[float] = mapped_column(SCORE, Float)


class RunPlacement(Base):
    """A program-post placement of the week (an offer is made for each)."""

    __tablename__ = "run_placements"

    run_id: Mapped[int] = mapped_column(RUN_ID, ForeignKey(f"runs.{RUN_ID}"), primary_key=True)
    seeker_id: Mapped[str] = mapped_column(SEEKER_ID, String(_ID_LENGTH), primary_key=True)
    post_id: Mapped[str] = mapped_column(POST_ID, String(_ID_LENGTH))
    program: Mapped[str] = mapped_column(PROGRAM, String(16))
    tier: Mapped[int | None] = mapped_column(TIER, Integer, nullable=True)
    score: Mapped[float] = mapped_column(SCORE, Float)
    reason: Mapped[str] = mapped_column(REASON, Text)


class RunFamily(Base):
    """A zero-employment family on the 20-day list of (三十九) at the time of the run."""

    __tablename__ = "run_families"

    run_id: Mapped[int] = mapped_column(RUN_ID, ForeignKey(f"runs.{RUN_ID}"), primary_key=True)
    household_id: Mapped[str] = mapped_column(HOUSEHOLD_ID, String(_ID_LENGTH), primary_key=True)
    district: Mapped[str] = mapped_column(DISTRICT, String(_ID_LENGTH))
    registered: Mapped[dt.date] = mapped_column(REGISTERED, Date)
    deadline: Mapped[dt.date] = mapped_column(DEADLINE, Date)
    days_left: Mapped[int] = mapped_column(DAYS_LEFT, Integer)
    status: Mapped[str] = mapped_column(STATUS, String(16))  # runs.guarantee.STATUSES
    members: Mapped[str] = mapped_column(MEMBERS, Text)
    best_posts: Mapped[str] = mapped_column(BEST_POSTS, Text)
    #: Offers made to members so far (any outcome), the first one's day, and the day of the
    #: first offer that covers the family (pending or accepted): the 20-day clock's record.
    offers_made: Mapped[int] = mapped_column(
        OFFERS_MADE, Integer, default=0, server_default=text("0")
    )
    first_offer: Mapped[dt.date | None] = mapped_column(FIRST_OFFER, Date, nullable=True)
    covered_on: Mapped[dt.date | None] = mapped_column(COVERED_ON, Date, nullable=True)


class Offer(Base):
    """An offer made to a seeker for a post, and what came of it; feeds the next weeks."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint(RUN_ID, SEEKER_ID),)

    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(RUN_ID, ForeignKey(f"runs.{RUN_ID}"), index=True)
    city: Mapped[str] = mapped_column(CITY, String(4), index=True)
    week: Mapped[str] = mapped_column(WEEK, String(10))
    seeker_id: Mapped[str] = mapped_column(SEEKER_ID, String(_ID_LENGTH), index=True)
    post_id: Mapped[str] = mapped_column(POST_ID, String(_ID_LENGTH))
    outcome: Mapped[str] = mapped_column(OUTCOME, String(16), default="pending")
    outcome_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


__all__ = [
    "DOMAIN_TABLES",
    "STORED_TABLES",
    "ApiKey",
    "Base",
    "DashboardSession",
    "Offer",
    "Run",
    "RunFamily",
    "RunPlacement",
    "RunRecommendation",
    "RunShortlist",
    "employers",
    "households",
    "posts",
    "seekers",
]
