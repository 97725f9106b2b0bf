"""``matcher fairness`` (measure one allocation) and ``matcher bench-fairness`` (every mechanism
on generated instances, with the published report).

Thin: the commands read files, call :mod:`matcher.fairness` (the measures) and
:mod:`matcher.reports` (benchmark and report) and print or write; nothing is
written unless every step succeeded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from matcher.allocation.problem import POST_ID, SEEKER_ID, read_problem
from matcher.cli.output import show
from matcher.cli.output import stderr as err_console
from matcher.cli.output import stdout as console
from matcher.errors import DataValidationError, MatcherError, Problem


def _read_allocation(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path, dtype={SEEKER_ID: str, POST_ID: str}, keep_default_na=False, encoding="utf-8"
        )
    except FileNotFoundError as error:
        raise MatcherError(f"input file not found: {path}") from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataValidationError(
            [Problem(str(path), None, None, None, f"cannot be read as a table: {error}")]
        ) from error


def fairness_command(
    seekers: Annotated[
        Path, typer.Option("--seekers", help="S.csv: seeker_id, tier, lottery, city, sex, groups")
    ],
    posts: Annotated[Path, typer.Option("--posts", help="P.csv: post_id, capacity, city")],
    candidates: Annotated[
        Path, typer.Option("--candidates", help="C.csv: seeker_id, post_id, score")
    ],
    allocation: Annotated[
        Path, typer.Option("--allocation", help="A.csv: seeker_id, post_id (one row per placed)")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object with every metric")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the report (HTML, Markdown, CSV, JSON)"),
    ] = None,
    city_caps: Annotated[
        Path | None, typer.Option("--city-caps", help="CAPS.csv: city, cap (quotas to fill)")
    ] = None,
    tier_floors: Annotated[
        Path | None, typer.Option("--tier-floors", help="FLOORS.csv: tier, floor (to check)")
    ] = None,
    group_floors: Annotated[
        Path | None, typer.Option("--group-floors", help="GROUPS.csv: group, floor (to check)")
    ] = None,
    families: Annotated[
        bool,
        typer.Option("--families", help="Check the zero-employment family guarantee (三十九)"),
    ] = False,
) -> None:
    """Measure one allocation: rates by tier, city, sex and group; justified envy; waste; more."""
    from matcher.fairness.metrics import chosen_arcs, measure_allocation

    problem = read_problem(
        seekers,
        posts,
        candidates,
        city_caps=city_caps,
        tier_floors=tier_floors,
        group_floors=group_floors,
        family_guarantee=families,
    )
    arcs = chosen_arcs(problem, _read_allocation(allocation), file=str(allocation))
    measures = measure_allocation(problem, arcs)
    warnings = _posts_warnings(posts, problem)
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if out is not None:
        from matcher.reports.output import write_files
        from matcher.reports.report import single_report_files

        written = write_files(single_report_files(measures, label=allocation.stem), out)
        if not as_json:
            err_console.print(f"wrote {len(written)} files to {out}", highlight=False)
    if as_json:
        figures = {**measures.to_dict(), "warnings": warnings}
        typer.echo(json.dumps(figures, ensure_ascii=False, allow_nan=False))
        return
    _print_measures(measures)


def _posts_warnings(posts: Path, problem: Any) -> list[str]:
    """Warnings about the posts table as a capacity: filled or closed posts, and posts no
    candidate pair reaches, whose places are counted as unused."""
    import numpy as np

    from matcher.fairness.capacity import places_not_open
    from matcher.io.load import read_raw

    warnings = []
    try:
        found = places_not_open(read_raw(posts))
    except (MatcherError, OSError, ValueError):  # read_problem has read it: be quiet here
        found = None
    if found is not None:
        warnings.append(found.warning(str(posts)))
    arcs = np.bincount(problem.cand_post, minlength=problem.n_posts)
    unreached = (arcs == 0) & (problem.post_capacity > 0)
    if unreached.any():
        warnings.append(
            f"{posts}: {int(unreached.sum()):,} posts have no candidate pair (another "
            f"programme's, or out of every seeker's reach); their "
            f"{int(problem.post_capacity[unreached].sum()):,} places are counted as unused "
            "capacity."
        )
    return warnings


def _number(value: float, digits: int = 4) -> str:
    return "—" if value != value else f"{value:.{digits}g}"  # NaN is the only value != itself


def _print_measures(measures: object) -> None:
    from matcher.fairness.metrics import FairnessMeasures

    assert isinstance(measures, FairnessMeasures)
    summary = Table(title="Allocation fairness")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    rows = [
        ("seekers", str(measures.seekers)),
        ("placed", str(measures.placed)),
        ("placement rate", _number(measures.placement_rate)),
        ("total value", _number(measures.total_value, 8)),
        ("justified envy pairs", str(measures.envy.justified_envy_pairs)),
        ("seekers with justified envy", str(measures.envy.seekers_with_justified_envy)),
        ("wasteful pairs", str(measures.envy.wasteful_pairs)),
        ("unused capacity", str(measures.unused_capacity)),
        (
            "zero-employment families covered",
            f"{measures.families_covered} of {measures.families_coverable}",
        ),
        ("floor shortfall", str(measures.floor_shortfall)),
    ]
    for key, index in measures.inequality.items():
        if key != "cities":
            rows.append((key.replace("_", " "), _number(index)))
    for name, shown in rows:
        summary.add_row(name, shown)
    show(summary)
    for name, table in measures.breakdowns.items():
        view = Table(title=f"By {name}")
        for column in ("group", "eligible", "placed", "rate", "ratio to best", "mean value"):
            view.add_column(column, justify="left" if column == "group" else "right")
        for row in table.to_dict(orient="records"):
            view.add_row(
                str(row["group"]),
                str(row["eligible"]),
                str(row["placed"]),
                _number(float(row["placement_rate"])),
                _number(float(row["rate_ratio_to_best"])),
                _number(float(row["mean_value"])),
            )
        show(view)


def _parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        low, sep, high = item.partition("-")
        try:
            if sep:
                seeds.extend(range(int(low), int(high) + 1))
            else:
                seeds.append(int(item))
        except ValueError:
            raise typer.BadParameter(
                f"{item!r} is not a seed or a range like 0-4", param_hint="--seeds"
            ) from None
    if not seeds or any(seed < 0 for seed in seeds):
        raise typer.BadParameter("give one or more seeds >= 0, e.g. 0,1,2", param_hint="--seeds")
    return list(dict.fromkeys(seeds))


def bench_fairness_command(
    scale: Annotated[
        Literal["small", "city", "province"], typer.Option("--scale", help="Generator scale")
    ] = "small",
    seeds: Annotated[
        str, typer.Option("--seeds", help="Seeds, e.g. 0,1,2 or 0-4 (one instance each)")
    ] = "0,1,2",
    out: Annotated[Path, typer.Option("--out", help="Directory of the report")] = Path("reports"),
    program: Annotated[
        str, typer.Option("--program", help="Program whose posts are allocated")
    ] = "welfare",
    k: Annotated[int, typer.Option("--k", help="Candidate posts per seeker", min=1)] = 20,
    candidates: Annotated[
        Literal["ranker", "scoring", "random"],
        typer.Option(
            "--candidates",
            help="ranker (shipped model's P(hired & kept), the default), scoring (title "
            "similarity) or random (fallback)",
        ),
    ] = "ranker",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds per general (CP-SAT) solve")
    ] = 60.0,
    jobs: Annotated[
        int, typer.Option("--jobs", help="Processes building instances (one per seed)", min=1)
    ] = 2,
    presets: Annotated[
        bool,
        typer.Option(
            "--presets/--no-presets",
            help="Also place the first seed under every priority preset of the programme's "
            "rules file (welfare: listing_order) and show placements by group side by side",
        ),
    ] = True,
) -> None:
    """Run every mechanism on generated instances and publish the fairness report
    (HTML with embedded charts, Markdown, CSV)."""
    import shlex
    import sys

    from rich.progress import Progress

    from matcher.generator import SCALE_NAMES
    from matcher.policy import load_policy
    from matcher.reports.bench import (
        SETTINGS,
        CandidateSource,
        build_instance,
        preset_comparison,
        run_benchmark,
    )
    from matcher.reports.output import write_files
    from matcher.reports.report import report_files, summary_lines

    if scale not in SCALE_NAMES:
        raise typer.BadParameter(
            f"must be one of {', '.join(SCALE_NAMES)}; got {scale!r}", param_hint="--scale"
        )
    if candidates not in ("ranker", "scoring", "random"):
        raise typer.BadParameter(
            f"must be ranker, scoring or random; got {candidates!r}", param_hint="--candidates"
        )
    seed_list = _parse_seeds(seeds)
    source = cast(CandidateSource, candidates)  # checked just above
    instances = []
    with Progress(console=err_console, transient=True) as progress:
        building = progress.add_task("building instances", total=len(seed_list))
        workers = max(1, min(jobs, len(seed_list)))
        if workers == 1:
            for seed in seed_list:
                instances.append(
                    build_instance(scale, seed, program=program, k=k, candidate_source=source)
                )
                progress.advance(building)
        else:
            # Building an instance (generator, eligibility, candidates) is most of the work and
            # seeds are independent: one process per seed. "spawn" keeps the workers clear of the
            # parent's threads; results come back in seed order.
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [
                    pool.submit(
                        build_instance, scale, seed, program=program, k=k, candidate_source=source
                    )
                    for seed in seed_list
                ]
                for future in futures:
                    instances.append(future.result())
                    progress.advance(building)
        running = progress.add_task("running mechanisms", total=len(seed_list) * len(SETTINGS))
        result = run_benchmark(
            instances, time_limit=time_limit, progress=lambda _label: progress.advance(running)
        )
        others = load_policy(program).presets[1:] if presets else ()
        if others:
            progress.add_task("placing under the priority presets", total=None)
            first = instances[0]
            compared = [first] + [
                build_instance(
                    scale, first.seed, program=program, k=k, candidate_source=source, preset=name
                )
                for name in others
            ]
            result.presets = preset_comparison(compared, time_limit=time_limit)
    command = "matcher " + " ".join(shlex.quote(a) for a in (sys.argv[1:] or ["bench-fairness"]))
    files = report_files(result, command=command)
    written = write_files(files, out)
    runs = result.runs_frame()
    summary = Table(
        title=f"Fairness benchmark, {scale} scale, seeds {', '.join(map(str, seed_list))}"
    )
    for column in ("setting", "ok", "placed", "value", "price", "tier-1 rate", "envy", "waste"):
        summary.add_column(column, justify="left" if column == "setting" else "right")
    for setting in dict.fromkeys(runs["setting"]):
        part = runs[(runs["setting"] == setting) & (runs["status"] == "ok")]
        total = int((runs["setting"] == setting).sum())
        if part.empty:
            summary.add_row(str(setting), f"0/{total}", *([""] * 6))
            continue
        summary.add_row(
            str(setting),
            f"{len(part)}/{total}",
            _number(float(part["placed"].mean())),
            _number(float(part["total_value"].mean())),
            _number(100 * float(part["price_of_fairness_relative"].mean()), 3) + " %",
            _number(float(part["tier1_rate"].mean())),
            _number(float(part["justified_envy_pairs"].mean())),
            _number(float(part["wasteful_pairs"].mean())),
        )
    show(summary)
    for line in summary_lines(_summary_of(runs)):
        console.print(f"• {line}", highlight=False, markup=False)
    console.print(
        f"wrote {len(written)} files to {out} (open {out / 'fairness-report.html'})",
        soft_wrap=True,
        highlight=False,
    )


def _summary_of(runs: pd.DataFrame) -> pd.DataFrame:
    from matcher.reports.report import summarise_runs

    return summarise_runs(runs)


def register(app: typer.Typer) -> None:
    """Add ``matcher fairness`` and ``matcher bench-fairness`` to the CLI."""
    app.command(name="fairness")(fairness_command)
    app.command(name="bench-fairness")(bench_fairness_command)
