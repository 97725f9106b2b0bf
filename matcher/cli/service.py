"""Service commands: ``serve``, ``apikey create|list|revoke``, ``run-week``, ``db upgrade``,
``db load``.

Every command that touches the database takes ``--db URL`` (default: ``$MATCHER_DB``, else the
embedded SQLite file, see ``docs/service.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from matcher.cli.data import Encoding, JsonOption
from matcher.cli.output import print_json, show
from matcher.cli.output import stderr as err_console
from matcher.cli.output import stdout as console

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE or postgresql://…); default $MATCHER_DB, else the "
        "embedded SQLite file",
    ),
]

db_app = typer.Typer(help="The service database.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the service.", no_args_is_help=True)


def _engine(db: str | None, *, current: bool = True) -> Engine:
    from matcher.storage import make_engine, require_current

    engine = make_engine(db)
    if current:
        require_current(engine)
    return engine


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the database schema to the latest revision."""
    from matcher.storage.engine import current_revision, upgrade

    engine = _engine(db, current=False)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    console.print(f"database {where}: revision {before or 'none'} → {after}")


@db_app.command("load")
def db_load(
    directory: Annotated[
        Path, typer.Argument(help="Dataset directory (CSV, Excel or Parquet tables)")
    ],
    db: DbOption = None,
    encoding: Encoding = None,
) -> None:
    """Validate a dataset directory and upsert its seekers, households, employers and posts
    (all in one transaction: a bad file loads nothing)."""
    from matcher.io.load import load_dataset
    from matcher.storage.models import STORED_TABLES
    from matcher.storage.upsert import upsert_tables

    engine = _engine(db)
    dataset = load_dataset(directory, tables=STORED_TABLES, encoding=encoding)
    with engine.begin() as connection:
        results = upsert_tables(connection, dataset.tables)
    table = Table("table", "inserted", "updated")
    for result in results:
        table.add_row(result.table, str(result.inserted), str(result.updated))
    show(table)


@apikey_app.command("create")
def apikey_create(
    role: Annotated[
        Literal["province", "city"], typer.Option(help="province (every city) or city (one city)")
    ],
    city: Annotated[str | None, typer.Option(help="City code for a city key, e.g. 2101")] = None,
    label: Annotated[str, typer.Option(help="Who or what the key is for")] = "",
    expires_in_days: Annotated[
        float | None,
        typer.Option(min=0.001, help="The key stops working after this many days (default: never)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an API key and print it once: only its hash is stored."""
    import datetime as dt

    from matcher.reference import city_codes
    from matcher.storage.keys import create_key, utc_now

    if role == "city" and city not in city_codes():
        raise typer.BadParameter(
            f"a city key needs --city with a city code {min(city_codes())}-{max(city_codes())}. "
            f"Got {city!r}.",
            param_hint="--city",
        )
    if role == "province" and city is not None:
        raise typer.BadParameter("a province key covers every city: no --city", param_hint="--city")
    expires = None if expires_in_days is None else utc_now() + dt.timedelta(days=expires_in_days)
    engine = _engine(db)
    try:
        key = create_key(engine, role, city, label, expires_at=expires)
    finally:
        engine.dispose()
    typer.echo(key)
    scope = "every city" if role == "province" else f"city {city}"
    until = "" if expires is None else f", valid until {expires:%Y-%m-%d %H:%M} UTC"
    Console(stderr=True).print(f"[green]created a {role} key for {scope}{until}[/]; store it now.")


@apikey_app.command("list")
def apikey_list(db: DbOption = None) -> None:
    """List keys: id, role, city, label, when created, expiry and state (never secrets)."""
    from matcher.storage.keys import list_keys

    table = Table("key id", "role", "city", "label", "created (UTC)", "expires (UTC)", "state")
    engine = _engine(db)
    try:
        keys = list_keys(engine)
    finally:
        engine.dispose()
    for key in keys:
        table.add_row(
            key.key_id,
            key.role,
            key.city or "",
            key.label,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            "" if key.expires_at is None else f"{key.expires_at:%Y-%m-%d %H:%M}",
            key.state,
        )
    show(table)


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (mk_<id>_…, or from apikey list)")],
    db: DbOption = None,
) -> None:
    """Revoke a key: it stops working at once for new API processes, within the key cache time
    (30 s by default) for running ones, and its dashboard sessions end."""
    from matcher.errors import MatcherError
    from matcher.storage.keys import revoke_key

    if key_id.startswith("mk_"):  # the whole key was pasted: take its id, ignore the secret
        key_id = key_id.split("_")[1]
    engine = _engine(db)
    try:
        revoked = revoke_key(engine, key_id)
    finally:
        engine.dispose()
    if not revoked:
        raise MatcherError(f"no key with id {key_id!r}; see matcher apikey list")
    console.print(f"revoked key {key_id}")


def run_week_command(
    city: Annotated[str, typer.Option(help="City code, e.g. 2101")],
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2009-W12")],
    out: Annotated[
        Path | None,
        typer.Option(help="Also write the run's outputs (CSV for Excel) to this directory"),
    ] = None,
    list_length: Annotated[int, typer.Option(min=1, max=50, help="Vacancies per seeker")] = 5,
    method: Annotated[
        Literal["capped", "topk"], typer.Option(help="capped (congestion-aware) or topk")
    ] = "capped",
    scorer: Annotated[
        Literal["ranker", "similarity"],
        typer.Option(help="ranker (the shipped model) or similarity (titles only)"),
    ] = "ranker",
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Run a week that already has offers again: its pending offers are superseded "
            "by this run's when it commits (refused if any already has an outcome)",
        ),
    ] = False,
    preset: Annotated[
        str,
        typer.Option(
            help="Priority order of the programmes' rules files: notice (each file's own) or "
            "a preset a file names (welfare: listing_order)"
        ),
    ] = "notice",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run one city's weekly matching and record it (atomically) in the database.

    A large city's run computes its vacancy half in a second process on a machine with two
    or more cores (MATCHER_RUN_PROCESSES=1 turns that off); the outputs are the same. With
    --json: {"run_id", "city", "week", "output_hash", "summary" (the run's summary.json),
    "seconds", "out"} on standard output."""
    from matcher.errors import MatcherError
    from matcher.io.atomic import write_tables
    from matcher.policy.rules import preset_names
    from matcher.reference import city_codes
    from matcher.runs import RunConfig, export_run, run_week
    from matcher.runs.week import parse_week

    # Arguments first, before the database or a progress bar.
    if city not in city_codes():
        raise typer.BadParameter(
            f"unknown city {city!r}; use a code {min(city_codes())}-{max(city_codes())}",
            param_hint="--city",
        )
    try:
        parse_week(week)
    except MatcherError as error:
        raise typer.BadParameter(str(error), param_hint="--week") from None
    known = preset_names(RunConfig().programs)
    if preset not in known:
        raise typer.BadParameter(
            f"unknown preset {preset!r}; the rules files name: {', '.join(sorted(known))}",
            param_hint="--preset",
        )
    engine = _engine(db)
    config = RunConfig(
        list_length=list_length, method=method, scorer=scorer, priority_preset=preset
    )
    # Refreshed by the run's own progress calls, not by rich's refresh thread: a process with
    # no other thread may fork the run's second process directly (see matcher.runs.parallel).
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        auto_refresh=False,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=1.0)

        def progress(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction, refresh=True)

        outcome = run_week(engine, city, week, config, progress, replace=replace)
    summary = outcome.summary
    if out is not None:  # files first: what is printed after them may meet a closed pipe
        import io

        import pandas as pd

        with engine.connect() as connection:
            files = export_run(connection, outcome.run_id)
        frames = {
            name: pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
            for name, data in files.items()
            if name.endswith(".csv")
        }
        write_tables(frames, out)
        (out / "summary.json").write_bytes(files["summary.json"])
    if as_json:
        print_json(
            {
                "run_id": outcome.run_id,
                "city": city,
                "week": summary["week"],
                "output_hash": outcome.output_hash,
                "seconds": round(float(outcome.timings.get("total", 0)), 1),
                "summary": summary,
                "out": None if out is None else str(out),
            }
        )
        return
    table = Table("run", "city", "week", "placed", "recommended", "20-day breaches", "seconds")
    placed = sum(p["placed"] for p in summary["placements"].values())
    table.add_row(
        str(outcome.run_id),
        city,
        summary["week"],
        str(placed),
        str(summary["recommendations"]["with_cap"]["recommendations"]),
        # Overdue families and families covered only after the 20 days (三十九).
        f"{summary['families']['breaches']} ({summary['families']['overdue']} overdue, "
        f"{summary['families']['covered_late']} late)",
        f"{outcome.timings.get('total', 0):.1f}",
    )
    show(table)
    console.print(f"output hash {outcome.output_hash}")
    if out is not None:
        err_console.print(f"outputs written to {out}", highlight=False)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="One line per request on standard output (about 30 us of CPU each)",
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Run the API and dashboard with uvicorn."""
    import copy
    import os

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    _engine(db)  # fail early, with a message, on a missing or old schema
    if db:
        os.environ["MATCHER_DB"] = db
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL
    Console(stderr=True).print(
        f"listening on http://{shown}:{port} (dashboard /dashboard, API docs /docs); Ctrl+C stops",
        highlight=False,
        soft_wrap=True,
    )
    # Server messages from warnings up, as before; the access log (its own logger) at INFO.
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    # loop and http stay "auto": uvloop and httptools (uvicorn[standard]) when installed,
    # which cut the server's CPU per request by about a third against asyncio and h11.
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config,
        access_log=access_log,
    )


def register(app: typer.Typer) -> None:
    """Add the service commands to the ``matcher`` CLI."""
    app.add_typer(db_app, name="db")
    app.add_typer(apikey_app, name="apikey")
    app.command("run-week")(run_week_command)
    app.command("serve")(serve)
