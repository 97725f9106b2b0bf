"""``matcher allocate``: allocate posts to eligible seekers and write A.csv (and U.csv).

All logic lives in :func:`matcher.allocation.allocate`; this module reads files, calls it and
writes the results atomically (both files or neither).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, cast

import pandas as pd
import typer

from matcher.allocation.api import DEFAULT_TIME_LIMIT, allocate_problem, reserve_spec
from matcher.allocation.coverage import allocate_covering_families
from matcher.allocation.mechanisms import ReserveOrder
from matcher.allocation.problem import (
    SEEKER_TEXT_COLUMNS,
    read_allocation_table,
    read_problem,
)
from matcher.allocation.result import Mechanism
from matcher.cli.data import Encoding, JsonOption
from matcher.cli.output import print_json
from matcher.cli.output import stderr as console
from matcher.io.atomic import write_table
from matcher.programs.place import FAMILY_MECHANISMS
from matcher.schemas.columns import FAMILY_ID, TIER, ZERO_EMPLOYMENT


def allocate_command(
    seekers: Annotated[Path, typer.Option("--seekers", help="S.csv: seeker_id, tier, lottery, …")],
    posts: Annotated[Path, typer.Option("--posts", help="P.csv: post_id, capacity, city")],
    candidates: Annotated[
        Path, typer.Option("--candidates", help="C.csv: seeker_id, post_id, score")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="A.csv (or A.xlsx for a workbook): one row per placed seeker"),
    ],
    mechanism: Annotated[
        Mechanism | None,
        typer.Option(
            "--mechanism",
            help="Default: the policy's own, lexicographic (tier by tier), when S.csv has a "
            "tier column; optimal (which ignores tiers) otherwise, or when asked for.",
        ),
    ] = None,
    city_caps: Annotated[
        Path | None,
        typer.Option(
            "--city-caps",
            help="CAPS.csv: city, cap; or the output of `matcher quotas --out` (region, quota)",
        ),
    ] = None,
    tier_floors: Annotated[
        Path | None, typer.Option("--tier-floors", help="FLOORS.csv: tier, floor")
    ] = None,
    group_floors: Annotated[
        Path | None,
        typer.Option("--group-floors", help="GROUPS.csv: group (a seekers column), floor"),
    ] = None,
    families: Annotated[
        bool | None,
        typer.Option(
            "--families/--no-families",
            help="Guarantee a member of each zero-employment family a post (三十九). --families: "
            "for every family, or explain why not; default: on for every family it can hold for "
            "(the others named) when S.csv has family_id and zero_employment.",
        ),
    ] = None,
    one_per_family: Annotated[
        bool, typer.Option("--one-per-family", help="Place at most one member per family")
    ] = False,
    reserve_group: Annotated[
        str | None,
        typer.Option("--reserve-group", help="stable only: seekers column the reserves are for"),
    ] = None,
    reserve_share: Annotated[
        float, typer.Option("--reserve-share", help="Share of each post's places reserved")
    ] = 0.2,
    reserve_order: Annotated[
        ReserveOrder,
        typer.Option(
            "--reserve-order",
            help="stable with --reserve-group: fill the reserved places first or last",
        ),
    ] = "reserved_first",
    unplaced: Annotated[
        Path | None,
        typer.Option("--unplaced", help="U.csv: every eligible seeker left without a post, why"),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds per general (CP-SAT) solve")
    ] = DEFAULT_TIME_LIMIT,
    encoding: Encoding = None,
    as_json: JsonOption = False,
) -> None:
    """Allocate posts to eligible seekers under capacities, city caps, floors and guarantees.

    With --json: {"mechanism", "status", "placed", "unplaced", "unplaced_by_reason",
    "objective", "solver_seconds", "constraints", "families_not_covered", "notes", "out",
    "unplaced_file"} on standard output."""
    if reserve_group is not None and mechanism != "stable":
        raise typer.BadParameter("applies to --mechanism stable only", param_hint="--reserve-group")
    # Read once: its columns choose the defaults, and the problem is built from it.
    seekers_table = read_allocation_table(seekers, SEEKER_TEXT_COLUMNS, encoding=encoding)
    header = set(seekers_table.columns)
    if mechanism is None:
        # The notice's rules by default: tiers decide, so lexicographic; optimal must be asked.
        mechanism = "lexicographic" if TIER in header else "optimal"
        console.print(
            f"mechanism: {mechanism} (default for {'tiered' if TIER in header else 'untiered'} "
            "seekers; --mechanism chooses another)",
            highlight=False,
        )
    covering = (
        families is None
        and {FAMILY_ID, ZERO_EMPLOYMENT} <= header
        and mechanism in FAMILY_MECHANISMS
    )
    # Reading and solving take minutes at province scale: say which stage is running.
    with console.status(f"reading {seekers.name}, {posts.name}, {candidates.name} …") as status:
        problem = read_problem(
            seekers,
            posts,
            candidates,
            city_caps=city_caps,
            tier_floors=tier_floors,
            group_floors=group_floors,
            family_guarantee=bool(families),
            one_per_family=one_per_family,
            encoding=encoding,
            seekers_table=seekers_table,
        )
        chosen = cast(Mechanism, mechanism)  # a click.Choice of MECHANISMS, or the default
        reserves = None
        if reserve_group is not None:
            reserves = reserve_spec(problem, reserve_group, reserve_share, reserve_order)
        status.update(f"allocating ({mechanism}) …")
        uncovered: set[str] = set()
        if covering:
            result, uncovered = allocate_covering_families(
                problem.seekers,
                problem.posts,
                problem.candidates,
                mechanism=chosen,
                city_caps=problem.city_caps.to_dict() or None,
                tier_floors=problem.tier_floors.to_dict() or None,
                group_floors=problem.group_floors.to_dict() or None,
                one_per_family=one_per_family,
                time_limit=time_limit,
            )
        else:
            result = allocate_problem(
                problem, mechanism=chosen, reserves=reserves, time_limit=time_limit
            )

        status.update(f"writing {out} …")
        assignments = result.assignments.copy()
        if result.processing_order is not None:
            assignments["processing_order"] = result.processing_order
        _write_all(assignments, out, result.unplaced if unplaced is not None else None, unplaced)
    if as_json:
        print_json(
            {
                "mechanism": result.mechanism,
                "status": result.status,
                "placed": result.n_placed,
                "unplaced": len(result.unplaced),
                "unplaced_by_reason": {
                    str(code): int(n)
                    for code, n in result.unplaced["reason_code"].value_counts(sort=False).items()
                },
                "objective": result.objective,
                "solver_seconds": round(result.solver_seconds, 3),
                "constraints": list(result.constraints),
                "families_not_covered": sorted(uncovered),
                "notes": list(result.notes),
                "out": str(out),
                "unplaced_file": None if unplaced is None else str(unplaced),
            }
        )
        return
    console.print(
        f"[bold green]{result.mechanism}[/]: {result.n_placed} placed, "
        f"{len(result.unplaced)} unplaced, total score {result.objective:.6g}, "
        f"status {result.status}, {result.solver_seconds:.2f} s",
        highlight=False,
    )
    for label in result.constraints:
        console.print(f"  constraint: {label}", highlight=False)
    if uncovered:
        console.print(
            f"[yellow]family guarantee (三十九) not attainable for {len(uncovered)} "
            f"families[/] under these posts and caps: {', '.join(sorted(uncovered)[:20])}"
            + (" …" if len(uncovered) > 20 else ""),
            highlight=False,
        )


def _write_all(
    assignments: pd.DataFrame,
    out: Path,
    unplaced: pd.DataFrame | None,
    unplaced_path: Path | None,
) -> None:
    """Write A.csv and U.csv so that either both appear or neither does."""
    if unplaced is None or unplaced_path is None:
        write_table(assignments, out)
        return
    # Stage U.csv beside its target first; only once A.csv is in place is U.csv moved in.
    unplaced_path.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(
        prefix=f".{unplaced_path.name}.", suffix=unplaced_path.suffix, dir=unplaced_path.parent
    )
    os.close(fd)
    try:
        write_table(unplaced, staged)
        write_table(assignments, out)
        os.replace(staged, unplaced_path)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)


def register(app: typer.Typer) -> None:
    """Add ``matcher allocate`` to the CLI."""
    app.command(name="allocate")(allocate_command)
