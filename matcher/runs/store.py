"""Runs in the database: reading a week's inputs, recording a run atomically, offers.

A run is first recorded as ``running`` (so its progress can be watched), computed, then written
in **one transaction** that inserts every output row and flips the status to ``succeeded``. A
crash or kill before that commit leaves the outputs invisible (the transaction never happened);
the orphaned ``running`` record is marked ``abandoned`` by the next run or listing, and the run
can simply be started again. Outputs are never updated after the commit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from matcher import __version__
from matcher.errors import MatcherError
from matcher.frames import isin
from matcher.runs.compute import (
    OUTPUT_TABLES,
    PLACEMENT_COLUMNS,
    RECOMMENDATION_COLUMNS,
    SHORTLIST_COLUMNS,
    RunConfig,
    WeekInputs,
    WeekOutputs,
    canonical_csv,
    canonical_json,
    compute_week,
)
from matcher.runs.week import normalise_week, week_reference_date
from matcher.schemas.columns import (
    FAMILIES,
    HOUSEHOLD_ID,
    OFFERED,
    OFFERS,
    OUTCOME,
    POST_ID,
    RANK,
    RUN_ID,
    SCORE,
    SEEKER_ID,
    TIER,
    WEEK,
)
from matcher.storage.models import (
    Offer,
    Run,
    RunFamily,
    RunPlacement,
    RunRecommendation,
    RunShortlist,
    posts,
    seekers,
)
from matcher.storage.upsert import python_column, read_table

RUN_STATUSES = ("running", "succeeded", "failed", "abandoned")
#: ``superseded``: a pending offer of a week that was run again with ``replace`` (it was never
#: acted on; the replacing run's offers stand instead).
OFFER_OUTCOMES = ("pending", "accepted", "refused", "no_answer", "superseded")
#: What an officer records for an offer.
RECORDED_OUTCOMES = ("accepted", "refused", "no_answer")
#: A running run whose heartbeat is older than this is taken as dead (another host crashed).
STALE_AFTER = dt.timedelta(minutes=15)
#: Testing hook: seconds to sleep inside the output transaction, before it commits, so a test
#: can kill the process at exactly the worst moment.
PAUSE_ENV = "MATCHER_RUN_PAUSE_BEFORE_COMMIT"
_OUTPUT_MODELS: dict[str, Any] = {
    "recommendations": RunRecommendation,
    "shortlists": RunShortlist,
    "placements": RunPlacement,
    "families": RunFamily,
}
_EXPORT_ORDER: dict[str, tuple[str, ...]] = {
    "recommendations": (SEEKER_ID, RANK),
    "shortlists": (POST_ID, RANK),
    "placements": (SEEKER_ID,),
    "families": (HOUSEHOLD_ID,),
}
_EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "recommendations": RECOMMENDATION_COLUMNS,
    "shortlists": SHORTLIST_COLUMNS,
    "placements": PLACEMENT_COLUMNS,
    "families": FAMILIES,
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: only the heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_abandoned(engine: Engine) -> int:
    """Mark ``running`` runs whose process is gone (or silent too long) as ``abandoned``."""
    with engine.begin() as connection:
        rows = connection.execute(
            select(Run.run_id, Run.worker, Run.heartbeat_at).where(Run.status == "running")
        ).all()
        dead = [
            run_id
            for run_id, worker, beat in rows
            if not _alive(worker) or _now() - beat > STALE_AFTER
        ]
        if dead:
            connection.execute(
                update(Run)
                .where(Run.run_id.in_(dead), Run.status == "running")
                .values(
                    status="abandoned",
                    error="the process running it stopped before it finished; start it again",
                    finished_at=_now(),
                )
            )
    return len(dead)


# --------------------------------------------------------------------------- inputs


def _offers(connection: Connection, city: str, before_week: str) -> pd.DataFrame:
    # Only offers of earlier weeks' *succeeded* runs, so a re-run of a week reads what the
    # first run of that week read.
    query = (
        select(Offer.seeker_id, Offer.post_id, Offer.outcome, Offer.week, Run.reference_date)
        .join(Run, Run.run_id == Offer.run_id)
        .where(
            Offer.city == city,
            Offer.week < before_week,
            Run.status == "succeeded",
            Offer.outcome != "superseded",
        )
        .order_by(Offer.week, Offer.seeker_id, Offer.post_id, Offer.offer_id)
    )
    rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(OFFERS))
    # A seeker may have several offers over the weeks; for the pool only the latest counts,
    # but refusals of earlier offers keep excluding their pairs, so all rows are kept. The
    # day an offer was made is its run's reference date (the 20-day clock of (三十九)).
    if not len(frame):
        return frame
    offered = pd.to_datetime(frame[OFFERED]).dt.date
    return frame.astype("string").assign(**{OFFERED: offered.to_numpy()})


def _previous(connection: Connection, city: str, week: str) -> dict[str, Any]:
    row = connection.execute(
        select(Run.run_id, Run.week, Run.reference_date, Run.summary_json)
        .where(Run.city == city, Run.week < week, Run.status == "succeeded")
        .order_by(Run.week.desc(), Run.run_id.desc())
        .limit(1)
    ).first()
    if row is None:
        return {}
    summary = json.loads(row.summary_json)
    pool = summary.get("pool", {})
    return {
        "run_id": row.run_id,
        "week": row.week,
        "reference_date": row.reference_date.isoformat(),
        "seekers": pool.get("seekers", 0),
        "vacancies": pool.get("vacancies", 0),
    }


def load_inputs(connection: Connection, city: str, week: str) -> WeekInputs:
    """The city's pool for ``week``: seekers registered by the week's end and not placed in an
    earlier week, their households, open posts with places left, and earlier weeks' offers."""
    week = normalise_week(week)
    reference = week_reference_date(week)
    offers = _offers(connection, city, week)
    # Placed means an accepted offer of an earlier week (so re-runs of old weeks still see them).
    active = or_(seekers.c.placed_week.is_(None), seekers.c.placed_week >= week)
    pool = read_table(
        connection,
        "seekers",
        city=city,
        where=and_(active, seekers.c.registered_date <= reference),
    ).drop(columns=["placed_week"])
    if len(offers):
        accepted = set(offers.loc[offers[OUTCOME] == "accepted", SEEKER_ID])
        pool = pool.loc[~isin(pool[SEEKER_ID], accepted)].reset_index(drop=True)
    households = read_table(connection, "households", city=city)
    households = households.loc[isin(households[HOUSEHOLD_ID], pool[HOUSEHOLD_ID])]
    open_posts = read_table(
        connection,
        "posts",
        city=city,
        where=and_(posts.c.status == "open", posts.c.posted_date <= reference),
    ).drop(columns=["filled"])
    held = (
        offers.loc[offers[OUTCOME].isin(["accepted", "pending"])].groupby(POST_ID).size()
        if len(offers)
        else pd.Series(dtype="int64")
    )
    remaining = (
        open_posts["capacity"].fillna(0).astype("int64")
        - held.reindex(open_posts[POST_ID]).fillna(0).astype("int64").to_numpy()
    )
    open_posts = open_posts.assign(remaining=remaining.clip(lower=0).to_numpy())
    employers = read_table(connection, "employers", city=city)
    return WeekInputs(
        city=city,
        week=week,
        reference_date=reference,
        seekers=pool.reset_index(drop=True),
        households=households.reset_index(drop=True),
        employers=employers,
        posts=open_posts.reset_index(drop=True),
        offers=offers if len(offers) else pd.DataFrame(columns=list(OFFERS), dtype="string"),
        previous=_previous(connection, city, week),
    )


# --------------------------------------------------------------------------- runs


class RunConflict(MatcherError):
    """The city's week is being run, or already has offers and ``replace`` was not asked."""


def _week_offers(connection: Connection, city: str, week: str) -> dict[str, int]:
    """Outcome → count of the offers made for ``city``'s ``week`` by succeeded runs."""
    rows = connection.execute(
        select(Offer.outcome, func.count())
        .join(Run, Run.run_id == Offer.run_id)
        .where(Offer.city == city, Offer.week == week, Run.status == "succeeded")
        .group_by(Offer.outcome)
    ).all()
    return {str(outcome): int(count) for outcome, count in rows}


def _refuse_rerun(connection: Connection, city: str, week: str, replace: bool) -> None:
    offers = _week_offers(connection, city, week)
    live = {k: v for k, v in offers.items() if k != "superseded"}
    if not live:
        return
    if not replace:
        raise RunConflict(
            f"city {city} week {week} was already run and has {sum(live.values())} offers; "
            "a second run would offer the same places again. Re-run it with --replace "
            "(API: replace=true) to supersede its pending offers"
        )
    answered = {k: v for k, v in live.items() if k != "pending"}
    if answered:
        detail = ", ".join(f"{v} {k}" for k, v in sorted(answered.items()))
        raise RunConflict(
            f"city {city} week {week} cannot be replaced: its offers already have outcomes "
            f"({detail}); a replacement would offer those seekers and places again"
        )


def start_run(
    engine: Engine,
    city: str,
    week: str,
    config: RunConfig | None = None,
    *,
    replace: bool = False,
) -> int:
    """Record a new ``running`` run and return its id (the work is done by :func:`execute_run`).

    One run of a city's week computes at a time (a unique index over running runs), and a
    week that already has offers is run again only with ``replace``: the new run's commit then
    marks the earlier pending offers ``superseded`` in the same transaction, so a week's
    offers never double.

    Raises
    ------
    MatcherError
        If the city code or the week is not valid.
    RunConflict
        The week is being run, or has offers and ``replace`` is false, or has offers with
        recorded outcomes.
    """
    from matcher.reference import city_codes

    if city not in set(city_codes()):
        raise MatcherError(f"unknown city {city!r}; use a code 2101-2114")
    week = normalise_week(week)
    config = config or RunConfig()
    reap_abandoned(engine)
    now = _now()
    with engine.begin() as connection:
        running = connection.execute(
            select(Run.run_id).where(Run.city == city, Run.week == week, Run.status == "running")
        ).scalar()
        if running is not None:
            raise _running_conflict(city, week, running)
        _refuse_rerun(connection, city, week, replace)
    try:
        return _insert_run(engine, city, week, config, replace, now)
    except IntegrityError:
        # Another process started the same week between the check and the insert.
        with engine.connect() as connection:
            running = connection.execute(
                select(Run.run_id).where(
                    Run.city == city, Run.week == week, Run.status == "running"
                )
            ).scalar()
        raise _running_conflict(city, week, running) from None


def _running_conflict(city: str, week: str, run_id: int | None) -> RunConflict:
    return RunConflict(
        f"city {city} week {week} is already being run (run {run_id}); wait for it to finish"
    )


def _insert_run(
    engine: Engine, city: str, week: str, config: RunConfig, replace: bool, now: dt.datetime
) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(Run).values(
                city=city,
                week=week,
                status="running",
                reference_date=week_reference_date(week),
                config_json=config.to_json(),
                config_hash=config.digest(),
                code_version=__version__,
                progress=0.0,
                stage="queued",
                worker=_worker(),
                created_at=now,
                heartbeat_at=now,
                timings_json="{}",
                summary_json="{}",
                supersede=replace,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def _set_progress(engine: Engine, run_id: int, stage: str, fraction: float) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(Run)
            .where(Run.run_id == run_id)
            .values(stage=stage[:32], progress=round(fraction, 4), heartbeat_at=_now())
        )


def _insert_frame(connection: Connection, table: Any, frame: pd.DataFrame, **constant: Any) -> None:
    """Insert ``frame``'s rows (plus ``constant`` columns) into ``table`` in one executemany.

    Straight to the driver with positional parameters: for the 300k recommendations of a
    large city, SQLAlchemy's per-row dictionaries and parameter processing took longer than
    the database did.
    """
    if frame.empty:
        return
    names = [*constant, *frame.columns]
    # Raw SQL skips SQLAlchemy's Python-side column defaults: every such column must be given.
    unset = [c.name for c in table.columns if c.default is not None and c.name not in names]
    if unset:
        raise MatcherError(f"insert into {table.name} leaves defaulted columns unset: {unset}")
    quote = connection.dialect.identifier_preparer.quote
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    columns = [[value] * len(frame) for value in constant.values()]
    columns += [python_column(frame[name]) for name in frame.columns]
    rows = list(zip(*columns, strict=True))
    for start in range(0, len(rows), 50_000):
        connection.exec_driver_sql(sql, rows[start : start + 50_000])


def _write_outputs(
    connection: Connection, run_id: int, inputs: WeekInputs, outputs: WeekOutputs
) -> None:
    for name, model in _OUTPUT_MODELS.items():
        _insert_frame(connection, model.__table__, outputs.tables()[name], run_id=run_id)
    offers = outputs.placements.loc[:, [SEEKER_ID, POST_ID]]
    _insert_frame(
        connection,
        Offer.__table__,
        offers,
        run_id=run_id,
        city=inputs.city,
        week=inputs.week,
        outcome="pending",
    )


@dataclass(frozen=True)
class RunOutcome:
    """What :func:`execute_run` produced."""

    run_id: int
    status: str
    input_hash: str
    output_hash: str
    summary: dict[str, Any]
    timings: dict[str, float]


def execute_run(
    engine: Engine, run_id: int, progress: Callable[[str, float], None] | None = None
) -> RunOutcome:
    """Compute a started run and commit its outputs atomically.

    On failure the run is marked ``failed`` with the error and nothing of its output exists;
    the error is raised again.
    """
    with engine.connect() as connection:
        run = connection.execute(select(Run).where(Run.run_id == run_id)).first()
        if run is None:
            raise MatcherError(f"no run {run_id}")
        if run.status != "running":
            raise MatcherError(f"run {run_id} is {run.status}; start a new run instead")
        config = RunConfig.from_json(run.config_json)
        started = time.perf_counter()
        inputs = load_inputs(connection, run.city, run.week)
    load_seconds = time.perf_counter() - started

    def report(stage: str, fraction: float) -> None:
        _set_progress(engine, run_id, stage, fraction * 0.95)
        if progress is not None:
            progress(stage, fraction)

    try:
        outputs = compute_week(inputs, config, report)
        input_hash = outputs.input_digest
        output_hash = outputs.digest()
        report("writing", 0.97)
        timings = {"load_inputs": round(load_seconds, 3), **outputs.timings}
        write_start = time.perf_counter()
        with engine.begin() as connection:
            if run.supersede:
                # The earlier run's pending offers give way to this run's, in the transaction
                # that makes this run's offers visible: there is no moment with both.
                connection.execute(
                    update(Offer)
                    .where(
                        Offer.city == run.city,
                        Offer.week == run.week,
                        Offer.outcome == "pending",
                        Offer.run_id != run_id,
                    )
                    .values(outcome="superseded")
                )
            _refuse_rerun(connection, run.city, run.week, replace=bool(run.supersede))
            _write_outputs(connection, run_id, inputs, outputs)
            pause = os.environ.get(PAUSE_ENV)
            if pause:
                time.sleep(float(pause))
            timings["write"] = round(time.perf_counter() - write_start, 3)
            timings["total"] = round(time.perf_counter() - started, 3)
            connection.execute(
                update(Run)
                .where(Run.run_id == run_id)
                .values(
                    status="succeeded",
                    stage="done",
                    progress=1.0,
                    input_hash=input_hash,
                    output_hash=output_hash,
                    summary_json=canonical_json(outputs.summary).decode(),
                    timings_json=json.dumps(timings, sort_keys=True),
                    finished_at=_now(),
                    heartbeat_at=_now(),
                )
            )
    except BaseException as error:
        with engine.begin() as connection:
            connection.execute(
                update(Run)
                .where(Run.run_id == run_id)
                .values(status="failed", error=str(error)[:2000] or type(error).__name__,
                        finished_at=_now())
            )  # fmt: skip
        raise
    if progress is not None:
        progress("done", 1.0)
    return RunOutcome(run_id, "succeeded", input_hash, output_hash, outputs.summary, timings)


def run_week(
    engine: Engine,
    city: str,
    week: str,
    config: RunConfig | None = None,
    progress: Callable[[str, float], None] | None = None,
    *,
    replace: bool = False,
) -> RunOutcome:
    """Start and execute one weekly run (see :func:`start_run`, :func:`execute_run`)."""
    return execute_run(engine, start_run(engine, city, week, config, replace=replace), progress)


# --------------------------------------------------------------------------- reading runs


def export_run(connection: Connection, run_id: int) -> dict[str, bytes]:
    """A succeeded run's outputs as canonical CSV bytes per table plus ``summary.json``.

    Two runs with the same inputs and configuration export byte-identical files, and the
    SHA-256 of these bytes (in :data:`OUTPUT_TABLES` order) is the run's ``output_hash``.
    """
    run = connection.execute(select(Run).where(Run.run_id == run_id)).first()
    if run is None or run.status != "succeeded":
        raise MatcherError(f"run {run_id} has no outputs (it is not a succeeded run)")
    files: dict[str, bytes] = {}
    for name in OUTPUT_TABLES:
        model = _OUTPUT_MODELS[name]
        columns = [getattr(model, c) for c in _EXPORT_COLUMNS[name]]
        order = [getattr(model, c) for c in _EXPORT_ORDER[name]]
        rows = connection.execute(
            select(*columns).where(model.run_id == run_id).order_by(*order)
        ).all()
        frame = pd.DataFrame(rows, columns=list(_EXPORT_COLUMNS[name]))
        if name == "placements":
            frame[TIER] = frame[TIER].astype("Int64")
        if name == "families":
            frame["registered"] = pd.to_datetime(frame["registered"])
            frame["deadline"] = pd.to_datetime(frame["deadline"])
        for column in (SCORE,):
            if column in frame:
                frame[column] = frame[column].astype(float)
        files[f"{name}.csv"] = canonical_csv(frame)
    files["summary.json"] = canonical_json(json.loads(run.summary_json))
    return files


def export_digest(files: dict[str, bytes]) -> str:
    """The output hash of exported files (equals the run's ``output_hash``)."""
    import hashlib

    hasher = hashlib.sha256()
    for name in OUTPUT_TABLES:
        hasher.update(name.encode())
        hasher.update(files[f"{name}.csv"])
    hasher.update(files["summary.json"])
    return hasher.hexdigest()


def latest_run(connection: Connection, city: str | None = None) -> int | None:
    """Id of the most recent succeeded run (of a city, if given)."""
    query = select(func.max(Run.run_id)).where(Run.status == "succeeded")
    if city is not None:
        query = query.where(Run.city == city)
    value = connection.execute(query).scalar()
    return None if value is None else int(value)


# --------------------------------------------------------------------------- offers


class OutcomeConflict(MatcherError):
    """The offer already has an outcome (recorded first by someone else, or earlier)."""


class OutcomeDateError(MatcherError):
    """An outcome date before the offer's week or after today."""


def record_outcome(
    engine: Engine, offer_id: int, outcome: str, when: dt.date | None = None
) -> dict[str, Any]:
    """Record what came of an offer. ``accepted`` takes the seeker out of the pool from the
    offer's week on and counts the place as filled; the next runs read every outcome.

    The outcome is set by one conditional update (``… WHERE outcome = 'pending'``): of two
    officers answering the same offer at once exactly one succeeds, on SQLite (the write lock
    serialises the updates, and the second sees the first's outcome) and on PostgreSQL (the
    second waits for the row lock, then re-checks the condition). The seeker's
    ``placed_week`` and the post's ``filled`` change in the same transaction, only for the
    update that won.

    Raises
    ------
    MatcherError
        Unknown offer or outcome.
    OutcomeDateError
        ``when`` before the Monday of the offer's week or after today.
    OutcomeConflict
        The offer already has an outcome.
    """
    if outcome not in RECORDED_OUTCOMES:
        raise MatcherError(f"outcome must be one of {', '.join(RECORDED_OUTCOMES)}")
    with engine.connect() as connection:
        offer = connection.execute(select(Offer).where(Offer.offer_id == offer_id)).first()
    if offer is None:
        raise MatcherError(f"no offer {offer_id}")
    when = when or dt.date.today()
    monday = week_reference_date(offer.week) - dt.timedelta(days=6)
    if not monday <= when <= dt.date.today():
        raise OutcomeDateError(
            f"outcome date {when.isoformat()} must be between the offer's week start "
            f"{monday.isoformat()} and today"
        )
    with engine.begin() as connection:
        # The first statement of the transaction is the write: on SQLite it takes the write
        # lock (waiting for another writer) before anything is read, so it sees the latest row.
        won = connection.execute(
            update(Offer)
            .where(Offer.offer_id == offer_id, Offer.outcome == "pending")
            .values(outcome=outcome, outcome_date=when)
        ).rowcount
        if won != 1:
            current = connection.execute(
                select(Offer.outcome).where(Offer.offer_id == offer_id)
            ).scalar()
            raise OutcomeConflict(f"offer {offer_id} already has outcome {current}")
        if outcome == "accepted":
            connection.execute(
                update(seekers)
                .where(seekers.c.seeker_id == offer.seeker_id)
                .values(placed_week=offer.week)
            )
            connection.execute(
                update(posts)
                .where(posts.c.post_id == offer.post_id)
                .values(filled=posts.c.filled + 1)
            )
    return {
        "offer_id": offer_id,
        RUN_ID: offer.run_id,
        "city": offer.city,
        WEEK: offer.week,
        SEEKER_ID: offer.seeker_id,
        POST_ID: offer.post_id,
        OUTCOME: outcome,
    }


def delete_unfinished(engine: Engine) -> int:
    """Remove records of runs that never succeeded (housekeeping; outputs never exist)."""
    with engine.begin() as connection:
        result = connection.execute(delete(Run).where(Run.status.in_(["failed", "abandoned"])))
        return int(result.rowcount or 0)
