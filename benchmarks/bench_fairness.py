"""Fairness benchmark: time and memory of measuring one allocation, up to province scale, and of
``matcher bench-fairness``.

Rows (sizes × one seed, integer ids as in ``benchmarks.bench_allocation``): a province-shaped
instance with 14 cities, one post per 100 seekers (10 places on average) and 50 candidate posts
per seeker, so province scale is 300,000 seekers and 15 million candidate pairs. For each size:

* ``measure``: :func:`matcher.fairness.measure_allocation` on the ``priority`` allocation, from
  the validated problem (every metric: breakdowns, envy, waste, inequality, ranks);
* ``cli``: ``matcher fairness --json`` end to end in a subprocess, from Parquet files (reading,
  validating and measuring); optional with ``--cli``;
* peers in the same run, as ratios: ``allocate`` (the ``priority`` mechanism on the same problem:
  measuring should cost no more than allocating), and a plain Python loop over the candidate pairs
  counting justified envy and waste (timed on a sample of seekers, extrapolated per pair).

Run::

    .venv/bin/python -m benchmarks.bench_fairness                 # up to province scale
    .venv/bin/python -m benchmarks.bench_fairness --quick         # small sizes only
    .venv/bin/python -m benchmarks.bench_fairness --cli           # also time the CLI
    .venv/bin/python -m benchmarks.bench_fairness --bench-city    # + bench-fairness --scale city
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks._common import machine_info, peak_rss_mib, timed

N_CITIES = 14
CITY_CODES = [f"21{c:02d}" for c in range(1, N_CITIES + 1)]


def make_instance(
    n_seekers: int, per_seeker: int = 50, *, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Seekers (tier, lottery, city, sex, zero-employment family), posts and candidate pairs:
    distinct posts per seeker from an arithmetic progression modulo the number of posts."""
    rng = np.random.default_rng(seed)
    n_posts = max(n_seekers // 100, 2)
    per_seeker = min(per_seeker, n_posts)
    post_city = rng.integers(0, N_CITIES, n_posts)
    capacity = rng.integers(1, 20, n_posts)
    steps = np.array([s for s in range(1, 200) if np.gcd(s, n_posts) == 1], dtype=np.int64)
    step = rng.choice(steps, n_seekers)
    start = rng.integers(0, n_posts, n_seekers)
    offsets = np.arange(per_seeker, dtype=np.int64)
    posts_of = (start[:, None] + offsets[None, :] * step[:, None]) % n_posts
    cities = np.array(CITY_CODES, dtype=object)
    seekers = pd.DataFrame(
        {
            "seeker_id": np.arange(n_seekers, dtype=np.int64),
            "tier": rng.choice([1, 2, 3], n_seekers, p=[0.2, 0.3, 0.5]),
            "lottery": rng.permutation(n_seekers),
            "city": cities[rng.integers(0, N_CITIES, n_seekers)],
            "sex": np.where(rng.random(n_seekers) < 0.5, "F", "M"),
            "family_id": np.arange(n_seekers, dtype=np.int64) // 2,
            "zero_employment": (rng.random(n_seekers) < 0.08).astype(np.int64),
            "disabled": (rng.random(n_seekers) < 0.05).astype(np.int64),
        }
    )
    posts = pd.DataFrame(
        {
            "post_id": np.arange(n_posts, dtype=np.int64),
            "capacity": capacity,
            "city": cities[post_city],
        }
    )
    candidates = pd.DataFrame(
        {
            "seeker_id": np.repeat(np.arange(n_seekers, dtype=np.int64), per_seeker),
            "post_id": posts_of.ravel(),
            "score": np.round(rng.random(n_seekers * per_seeker), 6),
        }
    )
    return seekers, posts, candidates


def loop_seconds_per_pair(problem: object, chosen: np.ndarray, sample: int = 2000) -> float:
    """Seconds per candidate pair of a plain Python loop counting envy and waste (on a sample
    of seekers' pairs)."""
    from matcher.allocation.problem import AllocationProblem
    from matcher.fairness.envy import post_order, seeker_priority

    assert isinstance(problem, AllocationProblem)
    order = post_order(problem)
    priority = seeker_priority(problem)
    own = {int(problem.cand_seeker[k]): int(k) for k in chosen}
    holders: dict[int, list[int]] = {}
    for k in chosen:
        holders.setdefault(int(problem.cand_post[k]), []).append(int(problem.cand_seeker[k]))
    arcs = range(min(sample * 50, problem.n_candidates))
    start = time.perf_counter()
    envy = waste = 0
    for k in arcs:
        s, p = int(problem.cand_seeker[k]), int(problem.cand_post[k])
        mine = own.get(s)
        if mine is not None:
            mine_score = problem.cand_score_scaled[mine]
            if (problem.cand_score_scaled[k], -order[p]) <= (
                mine_score,
                -order[problem.cand_post[mine]],
            ):
                continue
        held = holders.get(p, [])
        envy += any(priority[h] > priority[s] for h in held)
        waste += len(held) < problem.post_capacity[p]
    return (time.perf_counter() - start) / max(len(arcs), 1)


def cli_seconds(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
    allocation: pd.DataFrame,
    file_format: str = "parquet",
) -> float:
    """Wall time of ``matcher fairness --json`` on Parquet (or CSV) files, in a subprocess."""
    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as directory:
        folder = Path(directory)
        for name, frame in (("S", seekers), ("P", posts), ("C", candidates)):
            if file_format == "csv":
                frame.to_csv(folder / f"{name}.{file_format}", index=False)
            else:
                frame.to_parquet(folder / f"{name}.{file_format}", index=False)
        allocation.to_csv(folder / "A.csv", index=False)
        matcher = Path(sys.executable).with_name("matcher")
        start = time.perf_counter()
        subprocess.run(
            [
                str(matcher),
                "fairness",
                "--seekers",
                str(folder / f"S.{file_format}"),
                "--posts",
                str(folder / f"P.{file_format}"),
                "--candidates",
                str(folder / f"C.{file_format}"),
                "--allocation",
                str(folder / "A.csv"),
                "--json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


def _children_peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_city_seconds(seeds: str) -> float:
    """Wall time of ``matcher bench-fairness --scale city`` in a subprocess."""
    matcher = Path(sys.executable).with_name("matcher")
    with tempfile.TemporaryDirectory(prefix="bench-fairness-city-") as directory:
        start = time.perf_counter()
        subprocess.run(
            [
                str(matcher),
                "bench-fairness",
                "--scale",
                "city",
                "--seeds",
                seeds,
                "--out",
                directory,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - start


def run(sizes: list[int], *, cli: bool, bench_city: str | None, cli_format: str) -> None:
    from matcher.allocation import allocate_problem, build_problem
    from matcher.fairness.metrics import chosen_arcs, measure_allocation

    console = Console(width=150)
    console.print(f"[bold]Fairness benchmark[/] — {machine_info()}")
    # Warm up: the first call imports fairlearn (seconds), which is not the cost of measuring.
    warm = build_problem(*make_instance(300, seed=1))
    measure_allocation(
        warm,
        allocate_problem(warm, mechanism="priority").assignments.pipe(
            lambda frame: chosen_arcs(warm, frame)
        ),
    )
    table = Table(title="measure_allocation on the priority allocation (every metric)")
    for column in (
        "seekers",
        "pairs",
        "places",
        "allocate s",
        "measure s",
        "measure/allocate",
        "loop s (est.)",
        "loop/measure",
        "cli s",
        "cli peak MiB",
        "peak MiB",
    ):
        table.add_column(column, justify="right")
    for n in sizes:
        seekers, posts, candidates = make_instance(n)
        problem = build_problem(seekers, posts, candidates)
        with timed() as allocating:
            result = allocate_problem(problem, mechanism="priority", check=False)
        with timed() as measuring:
            arcs = chosen_arcs(problem, result.assignments)
            measures = measure_allocation(problem, arcs)
        per_pair = loop_seconds_per_pair(problem, arcs)
        loop_estimate = per_pair * problem.n_candidates
        n_candidates, placed = problem.n_candidates, result.n_placed
        assert measures.placed == placed
        allocation = result.assignments[["seeker_id", "post_id"]]
        # Free the solver's and the measure's arrays before the CLI reads everything again.
        del problem, result, measures, arcs
        cli_time = (
            cli_seconds(seekers, posts, candidates, allocation, cli_format) if cli else float("nan")
        )
        table.add_row(
            f"{n:,}",
            f"{n_candidates:,}",
            f"{int(posts['capacity'].sum()):,}",
            f"{allocating.seconds:.2f}",
            f"{measuring.seconds:.2f}",
            f"{measuring.seconds / allocating.seconds:.2f}",
            f"{loop_estimate:.1f}",
            f"{loop_estimate / measuring.seconds:.0f}",
            "—" if cli_time != cli_time else f"{cli_time:.1f}",
            # Children's peak so far: the largest CLI run up to this size.
            "—" if cli_time != cli_time else f"{_children_peak_mib():,.0f}",
            f"{peak_rss_mib():,.0f}",
        )
        del seekers, posts, candidates, allocation
    console.print(table)
    if bench_city is not None:
        seconds = bench_city_seconds(bench_city)
        console.print(
            f"matcher bench-fairness --scale city --seeds {bench_city}: {seconds:.1f} s "
            "(target < 300 s)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--cli", action="store_true", help="also time matcher fairness --json")
    parser.add_argument(
        "--bench-city",
        nargs="?",
        const="0,1,2",
        default=None,
        help="also time bench-fairness --scale city (seeds, default 0,1,2)",
    )
    parser.add_argument(
        "--cli-format", choices=("parquet", "csv"), default="parquet", help="input files of --cli"
    )
    parser.add_argument("--sizes", help="comma-separated seeker counts instead of the grid")
    args = parser.parse_args(argv)
    sizes = [3_000, 30_000] if args.quick else [3_000, 30_000, 300_000]
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
    run(sizes, cli=args.cli, bench_city=args.bench_city, cli_format=args.cli_format)


if __name__ == "__main__":
    main()
