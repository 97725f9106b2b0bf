"""``matcher generate``: write a seeded synthetic province to a directory."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.cli.output import show
from matcher.cli.output import stdout as out_console
from matcher.reference import city_label


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def generate(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory to write (new, empty, or a previous generator output)."
        ),
    ],
    scale: Annotated[
        Literal["small", "city", "province"],
        typer.Option("--scale", help="small, city (Shenyang) or province."),
    ] = "small",
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed: the same seed gives the same bytes.")
    ] = 0,
    reference_date: Annotated[
        str, typer.Option("--reference-date", help="The data's 'today', YYYY-MM-DD.")
    ] = "2009-03-02",
    fmt: Annotated[
        Literal["csv", "parquet"], typer.Option("--format", help="Table file format.")
    ] = "csv",
) -> None:
    """Generate a synthetic Liaoning province (seekers, households, employers, posts, training
    sessions, historical placements) with its hidden ground truth in OUT/truth/."""
    from matcher.generator import SCALE_NAMES, STAGES, generate_province
    from matcher.generator.output import check_target, write_province

    if scale not in SCALE_NAMES:
        raise typer.BadParameter(f"must be one of {', '.join(SCALE_NAMES)}", param_hint="--scale")
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("must be csv or parquet", param_hint="--format")
    when = _parse_date(reference_date)
    check_target(out)  # refuse before spending time on generation

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"generating {scale}", total=len(STAGES) + 1)

        def advance(stage: str) -> None:
            progress.update(task, advance=1, description=f"generated {stage}")

        try:
            province = generate_province(scale, seed=seed, reference_date=when, progress=advance)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        progress.update(task, description="writing")
        manifest = write_province(province, out, fmt=fmt)
        progress.update(task, advance=1)

    summary = Table(title=f"matcher generate --scale {scale} --seed {seed} → {out}")
    summary.add_column("table")
    summary.add_column("rows", justify="right")
    for name, count in manifest["rows"].items():
        summary.add_row(name, f"{count:,}")
    show(summary)
    cities = sorted(province.tables["seekers"]["city"].unique())
    named = ", ".join(city_label(c) for c in cities[:3]) + (" …" if len(cities) > 3 else "")
    out_console.print(f"{len(cities)} cities ({named}); reference date {when}")


def register(app: typer.Typer) -> None:
    """Add ``generate`` to the ``matcher`` app."""
    app.command("generate")(generate)
