"""``matcher demo``: the whole pipeline on the embedded default data, printed as tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher.programs.demo import DEFAULT_SCALE, DEFAULT_SEED, run_demo
from matcher.reference import city_label

console = Console(width=None if Console().is_terminal else 160)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def frame_table(frame: pd.DataFrame, title: str, *, index_name: str | None = None) -> Table:
    """A rich table of a frame: the index as the first column, numbers right-aligned."""
    table = Table(title=title, title_justify="left")
    table.add_column(index_name or str(frame.index.name or ""), no_wrap=True)
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for label, row in frame.iterrows():
        cells = [_cell(v) for v in row.tolist()]
        table.add_row(str(label), *cells)
    return table


def demo(
    out: Annotated[Path, typer.Option(help="Directory for the generated data and outputs.")] = Path(
        "build/demo"
    ),
    scale: Annotated[
        Literal["small", "city", "province"], typer.Option(help="Scale of the province.")
    ] = DEFAULT_SCALE,  # type: ignore[assignment]
    seed: Annotated[int, typer.Option(help="Seed of the synthetic province.")] = DEFAULT_SEED,
) -> None:
    """Generate the default synthetic province, check it, and run the pipeline on it."""

    with console.status("starting …") as status:
        result = run_demo(out, scale=scale, seed=seed, step=lambda name: status.update(name + " …"))
    dataset = result.dataset
    console.print(
        f"[bold]Synthetic Liaoning province[/] ({scale}, seed {seed}), reference date "
        f"{dataset.reference_date}: "
        + ", ".join(f"{len(frame):,} {name}" for name, frame in dataset.tables.items())
        + f". All tables valid; data in {result.data_dir}."
    )
    groups = result.seekers_by_city_and_group
    console.print(
        frame_table(
            groups,
            "Seekers by city and welfare-post group (公益性岗位援助对象; a person counts in "
            "every group they qualify under)",
        )
    )
    console.print(
        frame_table(result.posts_by_program_and_city, "Open post places by program and city")
    )
    console.print(
        frame_table(
            result.eligible_counts,
            "Eligible seekers per program and priority tier",
            index_name="program",
        )
    )
    console.print(result.model_note)
    for program, run in result.allocations.items():
        allocation = run.allocation
        console.print(
            f"\n[bold]{program}[/]: {allocation.n_placed:,} placed with '{allocation.mechanism}' "
            f"({allocation.status}), total predicted value {allocation.objective:,.2f}; "
            f"constraints: {', '.join(allocation.constraints) or 'capacities only'}."
        )
        by_city = run.placed_by_city()
        by_city.index = [city_label(code) for code in by_city.index]
        console.print(frame_table(by_city.T, f"{program}: city quota and placements"))
        console.print(frame_table(run.placed_by_tier().T, f"{program}: placements by tier"))
        reasons = run.unplaced_reasons().rename("eligible seekers").to_frame()
        console.print(frame_table(reasons, f"{program}: why eligible seekers were not placed"))
        for note in run.notes:
            console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    console.print("\nWrote " + ", ".join(str(p) for p in result.files), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(demo)
