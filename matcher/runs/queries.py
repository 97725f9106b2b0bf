"""Read-only queries over runs and the pool, shared by the API, the dashboard and the CLI.

Every function takes a connection and returns plain dicts (JSON-ready except for dates);
identity numbers leave here masked only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, case, func, select

from matcher.idnumber import mask
from matcher.runs.guarantee import STATUSES
from matcher.schemas.tables import TABLES
from matcher.storage.models import (
    DOMAIN_TABLES,
    Offer,
    Run,
    RunFamily,
    RunPlacement,
    RunRecommendation,
    RunShortlist,
    posts,
    seekers,
)

_URGENCY = {status: i for i, status in enumerate(STATUSES)}


def _public_row(name: str, row: dict[str, Any]) -> dict[str, Any]:
    if "id_number" in row:
        row = dict(row)
        row["id_number_masked"] = mask(row.pop("id_number") or "")
    return row


def list_table(
    connection: Connection,
    name: str,
    *,
    city: str | None,
    offset: int,
    limit: int,
    program: str | None = None,
    exclude_program: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A page of a domain table (optionally one city's, one program's), ordered by id."""
    table = DOMAIN_TABLES[name]
    conditions = []
    if city is not None:
        conditions.append(table.c.city == city)
    if program is not None:
        conditions.append(table.c.program == program)
    if exclude_program is not None:
        conditions.append(table.c.program != exclude_program)
    total = connection.execute(select(func.count()).select_from(table).where(*conditions)).scalar()
    rows = connection.execute(
        select(table)
        .where(*conditions)
        .order_by(table.c[TABLES[name].key])
        .offset(offset)
        .limit(limit)
    ).mappings()
    return [_public_row(name, dict(r)) for r in rows], int(total or 0)


def get_row(connection: Connection, name: str, key: str) -> dict[str, Any] | None:
    """One row of a domain table by id (identity number masked), or ``None``."""
    table = DOMAIN_TABLES[name]
    row = connection.execute(select(table).where(table.c[TABLES[name].key] == key)).mappings()
    found = row.first()
    return None if found is None else _public_row(name, dict(found))


def run_public(row: Any) -> dict[str, Any]:
    """A run record as the API shows it."""
    return {
        "run_id": row.run_id,
        "city": row.city,
        "week": row.week,
        "status": row.status,
        "stage": row.stage,
        "progress": row.progress,
        "reference_date": row.reference_date,
        "input_hash": row.input_hash,
        "config_hash": row.config_hash,
        "output_hash": row.output_hash,
        "code_version": row.code_version,
        "created_at": row.created_at,
        "finished_at": row.finished_at,
        "error": row.error,
        "timings": json.loads(row.timings_json or "{}"),
        "summary": json.loads(row.summary_json or "{}"),
    }


def list_runs(
    connection: Connection,
    *,
    city: str | None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Runs, newest first."""
    conditions = []
    if city is not None:
        conditions.append(Run.city == city)
    if status is not None:
        conditions.append(Run.status == status)
    total = connection.execute(select(func.count()).select_from(Run).where(*conditions)).scalar()
    rows = connection.execute(
        select(Run).where(*conditions).order_by(Run.run_id.desc()).offset(offset).limit(limit)
    ).all()
    return [run_public(r) for r in rows], int(total or 0)


def get_run(connection: Connection, run_id: int) -> dict[str, Any] | None:
    row = connection.execute(select(Run).where(Run.run_id == run_id)).first()
    return None if row is None else run_public(row)


def _newest_succeeded(runs: Any, city: Any) -> Select[tuple[int]]:
    """The id of ``city``'s newest succeeded run in ``runs`` (latest week, then latest run)."""
    return (
        select(runs.c.run_id)
        .where(runs.c.city == city, runs.c.status == "succeeded")
        .order_by(runs.c.week.desc(), runs.c.run_id.desc())
        .limit(1)
    )


def latest_succeeded(connection: Connection, city: str) -> tuple[int, str] | None:
    """``(run_id, week)`` of the city's newest succeeded run (latest week, then latest run)."""
    runs = Run.__table__
    row = connection.execute(_newest_succeeded(runs, city).add_columns(runs.c.week)).first()
    return None if row is None else (int(row.run_id), str(row.week))


_RECOMMENDATION_COLUMNS = (
    RunRecommendation.rank,
    RunRecommendation.post_id,
    posts.c.title,
    posts.c.employer_id,
    posts.c.wage,
    RunRecommendation.score,
    RunRecommendation.reason,
)


def seeker_recommendations(
    connection: Connection, seeker_id: str, run_id: int
) -> list[dict[str, Any]]:
    """A seeker's list in a run, with each vacancy's title, employer and wage."""
    rows = connection.execute(
        select(*_RECOMMENDATION_COLUMNS)
        .join(posts, posts.c.post_id == RunRecommendation.post_id, isouter=True)
        .where(RunRecommendation.run_id == run_id, RunRecommendation.seeker_id == seeker_id)
        .order_by(RunRecommendation.rank)
    ).mappings()
    return [dict(r) for r in rows]


@dataclass(frozen=True)
class SeekerList:
    """A seeker's list in one run, with the cities a caller's key must be allowed to see."""

    seeker_city: str
    #: The run read: ``None`` when the seeker's city has no succeeded run, or the run asked
    #: for does not exist.
    run_id: int | None
    run_city: str | None
    run_status: str | None
    week: str | None
    #: As :func:`seeker_recommendations` gives them, best first.
    items: list[dict[str, Any]]


@cache
def _seeker_list_statement(newest: bool) -> Select[Any]:
    """The statement of :func:`seeker_list`, built once: building its aliases costs ten times
    what SQLite takes to run it. Parameters ``seeker_id`` and (unless ``newest``) ``run_id``."""
    run = Run.__table__.alias("run")
    if newest:
        # Correlated on the seeker's city; a second alias because the outer query reads runs.
        subquery = _newest_succeeded(Run.__table__.alias("newest"), seekers.c.city)
        run_on = run.c.run_id == subquery.correlate(seekers).scalar_subquery()
    else:
        run_on = run.c.run_id == bindparam("run_id")
    return (
        select(seekers.c.city, run.c.run_id, run.c.city, run.c.status, run.c.week)
        .add_columns(*_RECOMMENDATION_COLUMNS)
        .select_from(seekers)
        .join(run, run_on, isouter=True)
        .join(
            RunRecommendation,
            (RunRecommendation.run_id == run.c.run_id)
            & (RunRecommendation.seeker_id == seekers.c.seeker_id),
            isouter=True,
        )
        .join(posts, posts.c.post_id == RunRecommendation.post_id, isouter=True)
        .where(seekers.c.seeker_id == bindparam("seeker_id"))
        .order_by(RunRecommendation.rank)
    )


def seeker_list(
    connection: Connection, seeker_id: str, run_id: int | None = None
) -> SeekerList | None:
    """A seeker's list in run ``run_id``, by default in the newest succeeded run of their city;
    ``None`` if there is no such seeker.

    One statement where :func:`get_row`, :func:`latest_succeeded` and
    :func:`seeker_recommendations` take three: this is the service's most frequent read.
    Callers check ``run_status`` and the cities themselves.
    """
    parameters: dict[str, Any] = {"seeker_id": seeker_id}
    if run_id is not None:
        parameters["run_id"] = run_id
    rows = connection.execute(_seeker_list_statement(run_id is None), parameters).all()
    if not rows:
        return None
    seeker_city, found_run, run_city, run_status, week = rows[0][:5]
    names = [column.key for column in _RECOMMENDATION_COLUMNS]
    # A seeker without a list in the run still has one row, its list columns all null.
    items = [dict(zip(names, row[5:], strict=True)) for row in rows if row[5] is not None]
    return SeekerList(
        seeker_city=seeker_city,
        run_id=found_run,
        run_city=run_city,
        run_status=run_status,
        week=week,
        items=items,
    )


def post_shortlist(connection: Connection, run_id: int, post_id: str) -> list[dict[str, Any]]:
    """A vacancy's shortlist in a run, seekers' identity numbers masked."""
    rows = connection.execute(
        select(
            RunShortlist.rank,
            RunShortlist.seeker_id,
            seekers.c.name,
            seekers.c.id_number,
            RunShortlist.score,
        )
        .join(seekers, seekers.c.seeker_id == RunShortlist.seeker_id, isouter=True)
        .where(RunShortlist.run_id == run_id, RunShortlist.post_id == post_id)
        .order_by(RunShortlist.rank)
    ).mappings()
    return [_public_row("seekers", dict(r)) for r in rows]


def run_placements(
    connection: Connection, run_id: int, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    total = connection.execute(
        select(func.count()).select_from(RunPlacement).where(RunPlacement.run_id == run_id)
    ).scalar()
    rows = connection.execute(
        select(
            RunPlacement.seeker_id,
            RunPlacement.post_id,
            RunPlacement.program,
            RunPlacement.tier,
            RunPlacement.score,
            RunPlacement.reason,
        )
        .where(RunPlacement.run_id == run_id)
        .order_by(RunPlacement.seeker_id)
        .offset(offset)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows], int(total or 0)


def run_families(
    connection: Connection,
    run_id: int,
    *,
    statuses: tuple[str, ...] | None = None,
    offset: int = 0,
    limit: int = 500,
) -> tuple[list[dict[str, Any]], int]:
    """The 20-day list of a run, most urgent first (:data:`~matcher.runs.guarantee.STATUSES`)."""
    conditions = [RunFamily.run_id == run_id]
    if statuses:
        conditions.append(RunFamily.status.in_(statuses))
    total = connection.execute(
        select(func.count()).select_from(RunFamily).where(*conditions)
    ).scalar()
    urgency = case(_URGENCY, value=RunFamily.status, else_=9)
    rows = connection.execute(
        select(RunFamily)
        .where(*conditions)
        .order_by(urgency, RunFamily.days_left, RunFamily.household_id)
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        {
            "household_id": r.household_id,
            "district": r.district,
            "registered": r.registered,
            "deadline": r.deadline,
            "days_left": r.days_left,
            "status": r.status,
            "members": [m for m in r.members.split("|") if m],
            "best_posts": [p for p in r.best_posts.split("|") if p],
            "offers_made": r.offers_made,
            "first_offer": r.first_offer,
            "covered_on": r.covered_on,
        }
        for r in rows
    ]
    return items, int(total or 0)


def list_offers(
    connection: Connection,
    *,
    city: str | None,
    outcome: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int]:
    conditions = []
    if city is not None:
        conditions.append(Offer.city == city)
    if outcome is not None:
        conditions.append(Offer.outcome == outcome)
    total = connection.execute(select(func.count()).select_from(Offer).where(*conditions)).scalar()
    # The day an offer was made is its run's reference date (the 20-day clock of (三十九)).
    rows = connection.execute(
        select(Offer, Run.reference_date)
        .join(Run, Run.run_id == Offer.run_id)
        .where(*conditions)
        .order_by(Offer.offer_id)
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        {
            "offer_id": o.offer_id,
            "run_id": o.run_id,
            "city": o.city,
            "week": o.week,
            "seeker_id": o.seeker_id,
            "post_id": o.post_id,
            "outcome": o.outcome,
            "outcome_date": o.outcome_date,
            "offered": o.reference_date,
        }
        for o in rows
    ]
    return items, int(total or 0)


def offer_city(connection: Connection, offer_id: int) -> str | None:
    value = connection.execute(select(Offer.city).where(Offer.offer_id == offer_id)).scalar()
    return None if value is None else str(value)


def latest_runs_by_city(connection: Connection) -> dict[str, dict[str, Any]]:
    """Each city's newest succeeded run (the dashboard's fill rates, quotas' need)."""
    newest = (
        select(Run.city, func.max(Run.run_id).label("run_id"))
        .where(Run.status == "succeeded")
        .group_by(Run.city)
        .subquery()
    )
    rows = connection.execute(
        select(Run).join(newest, Run.run_id == newest.c.run_id).order_by(Run.city)
    ).all()
    return {r.city: run_public(r) for r in rows}
