"""``matcher training allocate|assess``: training places within subsidy budgets, and the
six-monthly base assessment.

All logic lives in :mod:`matcher.training`; this module reads the dataset directory, calls it,
prints a summary and writes the outputs atomically (all files or none).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from matcher.cli.data import JsonOption
from matcher.cli.output import print_json, show
from matcher.errors import MatcherError
from matcher.io.atomic import write_tables
from matcher.io.load import find_table_file, load_dataset, read_raw
from matcher.reference import city_codes, city_label, training_catalogue
from matcher.schemas import TRAINING_KINDS

console = Console(stderr=True, soft_wrap=True)
_FLOOR = re.compile(r"^(?P<group>[a-z_]+)(?::(?P<kind>[a-z_]+))?=(?P<minimum>\d+)$")

training_app = typer.Typer(
    name="training",
    help="Training places (十八)-(二十七): allocate within budgets, assess training bases.",
    no_args_is_help=True,
)


def parse_floor(text: str) -> tuple[str, str | None, int]:
    """``returning_migrant:remote=30`` → ``("returning_migrant", "remote", 30)``."""
    match = _FLOOR.match(text.strip())
    if match is None:
        raise typer.BadParameter(
            f"expected GROUP[:KIND]=N, e.g. returning_migrant:remote=30. Got {text!r} instead."
        )
    kind = match["kind"]
    if kind is not None and kind not in TRAINING_KINDS:
        raise typer.BadParameter(
            f"unknown training kind {kind!r}; known: {', '.join(TRAINING_KINDS)}"
        )
    return match["group"], kind, int(match["minimum"])


@training_app.command("allocate")
def allocate_command(
    directory: Annotated[
        Path, typer.Argument(help="Dataset directory (seekers, households, posts, sessions)")
    ],
    city: Annotated[str, typer.Option("--city", help="City code, e.g. 2101")],
    budget: Annotated[int, typer.Option("--budget", help="Subsidy budget in whole yuan", min=0)],
    out: Annotated[Path, typer.Option("--out", help="Directory for the three output files")],
    floor: Annotated[
        list[str] | None,
        typer.Option(
            "--floor",
            help="GROUP[:KIND]=N: at least N trainees of an eligibility group (repeatable), "
            "e.g. returning_migrant:remote=30",
        ),
    ] = None,
    top_k: Annotated[
        int,
        typer.Option("--top-k", help="Best session classes kept per seeker; 0 keeps all", min=0),
    ] = 8,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds for the exact solver", min=0.1)
    ] = 60.0,
    engine: Annotated[
        Literal["highs", "cp-sat"], typer.Option("--engine", help="Exact solver")
    ] = "highs",
    applicants: Annotated[
        Path | None,
        typer.Option("--applicants", help="CSV with a seeker_id column: only these apply"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Place seekers in training sessions of CITY within BUDGET yuan, maximising expected
    employment gain; write placements.csv, payments.csv and unplaced.csv to OUT. With --json:
    the summary (budget, committed, placed, status, …) and the output files on standard
    output."""
    from matcher.training.api import allocate_training_for_dir
    from matcher.training.solver import TrainingFloor

    if city not in city_codes():
        raise typer.BadParameter(
            f"unknown city {city!r}; expected one of {', '.join(city_codes())}",
            param_hint="--city",
        )
    floors = [TrainingFloor(*parse_floor(text)) for text in floor or []]
    with console.status(f"allocating training places in {city} (budget {budget:,} yuan) …"):
        result = allocate_training_for_dir(
            directory,
            city=city,
            budget_yuan=budget,
            applicants=applicants,
            floors=floors,
            top_k=top_k or None,
            time_limit=time_limit,
            engine=engine,
        )
        files = {
            "placements.csv": result.placements,
            "payments.csv": result.payments,
            "unplaced.csv": result.unplaced,
        }
        write_tables(files, out)
    if as_json:
        print_json({**result.summary, "files": [str(out / name) for name in files]})
        return
    _print_allocation(result.summary, result.payments)


def _print_allocation(summary: dict[str, object], payments: pd.DataFrame) -> None:
    table = Table(title=f"Training allocation — {city_label(str(summary['city']))}")
    table.add_column("item")
    table.add_column("value", justify="right")
    for label, key in (
        ("budget (yuan)", "budget_yuan"),
        ("subsidies (yuan)", "subsidy_yuan"),
        ("allowances (yuan)", "allowance_yuan"),
        ("committed (yuan)", "committed_yuan"),
        ("remaining (yuan)", "remaining_yuan"),
        ("placed", "placed"),
        ("eligible seekers", "eligible_seekers"),
        ("expected employment gain", "expected_gain"),
        ("status", "status"),
        ("proven gap (0.01 persons)", "gap_units"),
        ("seconds", "total_seconds"),
    ):
        value = summary[key]
        table.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    show(table, console)
    if summary["status"] != "OPTIMAL":
        console.print(
            f"[yellow]Not proven optimal within the time limit: at most "
            f"{summary['gap_units']} hundredths of an expected employment from the optimum.[/]"
        )
    if len(payments):
        monthly = payments.groupby(["month", "item"])["amount_yuan"].sum().unstack(fill_value=0)
        pay = Table(title="Payments per month (yuan)")
        pay.add_column("month")
        for column in monthly.columns:
            pay.add_column(str(column), justify="right")
        for month, row in monthly.iterrows():
            pay.add_row(str(month), *(f"{int(v):,}" for v in row.tolist()))
        show(pay, console)


@training_app.command("assess")
def assess_command(
    directory: Annotated[Path, typer.Argument(help="Dataset directory")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for assessment.csv and additions.csv"),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed for a derived history (default: the manifest's)"),
    ] = None,
) -> None:
    """Rank training bases per specialty from DIR/training_history.csv (derived from the
    sessions with a seeded generator when absent) and flag bases to drop and specialties that
    need a base."""
    from matcher.training.assess import assess_bases
    from matcher.training.demand import labour_demand
    from matcher.training.history import make_training_history, parse_training_history
    from matcher.training.rules import load_budget_rules

    dataset = load_dataset(directory)
    if "training_sessions" not in dataset:
        raise MatcherError(f"{directory} has no training_sessions.csv; nothing to assess")
    sessions = dataset["training_sessions"]
    history_file = find_table_file(Path(directory), "training_history")
    if history_file is not None:
        history = parse_training_history(
            read_raw(history_file), str(history_file), dataset.reference_date
        )
        console.print(f"History: {history_file} ({len(history):,} classes)")
    else:
        used_seed = seed if seed is not None else int(dataset.manifest.get("seed", 0))
        history = make_training_history(
            sessions, seed=used_seed, reference_date=dataset.reference_date
        ).history
        console.print(
            f"[yellow]No training_history.csv in {directory}: derived a synthetic history from "
            f"the sessions (seed {used_seed}, {len(history):,} classes).[/]"
        )
    rules = load_budget_rules()
    catalogue = training_catalogue()
    served = catalogue["cities"].astype(str).str.split("|")
    demand = pd.concat(
        [
            # Each city's demand over the specialties its catalogue serves.
            labour_demand(
                dataset["posts"],
                dataset["seekers"],
                catalogue[served.apply(lambda codes, c=city: "*" in codes or c in codes)],
                [city],
            )
            for city in sorted(sessions["city"].astype(str).unique())
        ],
        ignore_index=True,
    )
    assessment = assess_bases(history, rules, sessions=sessions, demand=demand)
    if out is not None:
        write_tables(
            {"assessment.csv": assessment.bases, "additions.csv": assessment.additions}, out
        )
    _print_assessment(assessment.bases, assessment.additions)


def _print_assessment(bases: pd.DataFrame, additions: pd.DataFrame) -> None:
    counts = bases["decision"].value_counts()
    console.print(
        f"{len(bases):,} base-specialty pairs: {int(counts.get('keep', 0)):,} keep, "
        f"{int(counts.get('watch', 0)):,} watch, {int(counts.get('drop', 0)):,} drop; "
        f"{len(additions):,} city-specialties need a new base"
    )
    dropped = bases[bases["decision"] == "drop"].head(20)
    if len(dropped):
        table = Table(title="Bases to drop (credibly below their specialty)")
        for column in ("city", "specialty", "base_id", "trainees", "employment_shrunk"):
            table.add_column(column)
        for row in dropped.itertuples(index=False):
            interval = f"[{row.employment_low:.0%}, {row.employment_high:.0%}]"
            table.add_row(
                str(row.city),
                str(row.specialty),
                str(row.base_id),
                f"{row.trainees:,}",
                f"{row.employment_shrunk:.0%} {interval}",
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``training`` sub-app to the ``matcher`` CLI."""
    app.add_typer(training_app, name="training")
