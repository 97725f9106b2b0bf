"""Training allocation benchmark: 100,000 trainees and 5,000 sessions at province scale, every
city allocated within its own subsidy budget, end to end from the loaded tables to the checked
result with its payment schedule.

The trainees are a seeded quarter of the generated province's 400,000 seekers (the applicants);
each city's budget is 300 yuan per applicant, so roughly a third of them can be trained and the
budget binds. In the same run, two peers:

* ``greedy``: the office practice of filling places by expected gain per yuan (same arcs, same
  capacities and budgets); ratio = our expected gain / greedy's, and the time ratio;
* ``plain MILP``: HiGHS on the unreduced model (one binary per seeker and session class, no
  types, no dual bound, no reduced-cost fixing) for the cities named by ``--plain-cities``, with
  the same time limit; ratio = our time / its time.

Run::

    .venv/bin/python -m benchmarks.bench_training                      # generates the province
    .venv/bin/python -m benchmarks.bench_training --data DIR           # a generated directory
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from benchmarks._common import machine_info, peak_rss_mib, timed
from matcher.eligibility import evaluate_eligibility
from matcher.io.load import load_dataset
from matcher.policy.rules import load_policy
from matcher.training.api import allocate_training
from matcher.training.rules import load_budget_rules
from matcher.training.scoring import GAIN_SCALE, score_training, seeker_interest

YUAN_PER_APPLICANT = 300


def greedy_gain_per_yuan(arcs: pd.DataFrame, capacity: np.ndarray, budget: int) -> int:
    """The peer: arcs by gain per yuan, taken while seeker, class and budget allow."""
    order = np.lexsort((-arcs["gain_units"].to_numpy(), -arcs["gain_units"] / arcs["cost_yuan"]))
    seeker_free = np.ones(int(arcs["seeker"].max()) + 1, dtype=bool)
    room = capacity.astype(np.int64).copy()
    money, total = budget, 0
    seekers, classes = arcs["seeker"].to_numpy(), arcs["klass"].to_numpy()
    gains, costs = arcs["gain_units"].to_numpy(), arcs["cost_yuan"].to_numpy()
    for a in order.tolist():
        s, k, c = seekers[a], classes[a], int(costs[a])
        if seeker_free[s] and room[k] > 0 and c <= money:
            seeker_free[s], money, total = False, money - c, total + int(gains[a])
            room[k] -= 1
    return total


def plain_milp(
    arcs: pd.DataFrame, capacity: np.ndarray, budget: int, time_limit: float
) -> tuple[int, bool]:
    """The peer: HiGHS on one binary per arc, nothing reduced."""
    n = len(arcs)
    columns = np.arange(n)
    rows = [
        (csr_matrix((np.ones(n), (arcs["seeker"], columns))), 1.0),
        (csr_matrix((np.ones(n), (arcs["klass"], columns)), shape=(len(capacity), n)), capacity),
        (csr_matrix(arcs["cost_yuan"].to_numpy(float)[None, :]), float(budget)),
    ]
    result = milp(
        -arcs["gain_units"].to_numpy(float),
        constraints=[LinearConstraint(m, -np.inf, b) for m, b in rows],
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit},
    )
    value = round(-result.fun) if result.x is not None else 0
    return value, result.status == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a generated province directory (else generate one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trainees", type=int, default=100_000)
    parser.add_argument("--top-k", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--plain-cities", default="2111,2103")
    args = parser.parse_args()
    console = Console(width=200)

    with timed() as preparing:
        if args.data:
            dataset = load_dataset(
                args.data, tables=("seekers", "households", "posts", "training_sessions")
            )
            tables = {name: dataset[name] for name in ("seekers", "households", "posts")}
            tables["training_sessions"] = dataset["training_sessions"]
            reference_date = dataset.reference_date
        else:
            from matcher.generator import generate_province

            province = generate_province("province", seed=args.seed)
            tables = province.tables
            reference_date = province.reference_date
    seekers = (
        tables["seekers"].sample(n=args.trainees, random_state=args.seed).reset_index(drop=True)
    )
    sessions = tables["training_sessions"]
    console.print(
        f"prepared in {preparing.seconds:.0f} s: {len(seekers):,} trainees, "
        f"{len(sessions):,} sessions, {sessions['city'].nunique()} cities"
    )

    rows = []
    with timed() as whole:
        with timed() as shared:
            eligibility = evaluate_eligibility(
                seekers, tables["households"], load_policy("training"), reference_date
            )
            interest = seeker_interest(seekers, reference_date)
        for city in sorted(seekers["city"].unique()):
            applicants = int((seekers["city"] == city).sum())
            budget = YUAN_PER_APPLICANT * applicants
            with timed() as took:
                result = allocate_training(
                    seekers,
                    tables["households"],
                    sessions,
                    tables["posts"],
                    city=city,
                    budget_yuan=budget,
                    reference_date=reference_date,
                    eligibility=eligibility,
                    interest=interest,
                    top_k=args.top_k,
                    time_limit=args.time_limit,
                )
            rows.append((city, applicants, budget, result.summary, took.seconds))
    console.print(
        f"ours, whole province: {whole.seconds:.1f} s (eligibility + interest "
        f"{shared.seconds:.1f} s), peak RSS {peak_rss_mib():,.0f} MiB"
    )

    rules = load_budget_rules()
    table = Table(title=f"Training allocation, {args.trainees:,} trainees, top-k {args.top_k}")
    for column in (
        "city", "trainees", "sessions", "arcs", "budget", "placed", "left", "status", "gap",
        "core", "seconds", "greedy ratio", "greedy s",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    for city, applicants, budget, summary, seconds in rows:
        candidates = score_training(
            seekers, eligibility, sessions, tables["posts"], city, reference_date, rules,
            top_k=args.top_k, interest=interest,
        )  # fmt: skip
        start = time.perf_counter()
        greedy = greedy_gain_per_yuan(
            candidates.arcs, candidates.classes["capacity"].to_numpy(), budget
        )
        greedy_seconds = time.perf_counter() - start
        ours = int(summary["objective_units"])
        table.add_row(
            city, f"{applicants:,}", f"{summary['sessions']:,}", f"{summary['arcs']:,}",
            f"{budget:,}", f"{summary['placed']:,}", f"{summary['remaining_yuan']:,}",
            str(summary["status"]), str(summary["gap_units"]), f"{summary['core_arcs']:,}",
            f"{seconds:.2f}", f"{ours / max(greedy, 1):.4f}", f"{greedy_seconds:.2f}",
        )  # fmt: skip
        if city in args.plain_cities.split(","):
            start = time.perf_counter()
            value, proven = plain_milp(
                candidates.arcs,
                candidates.classes["capacity"].to_numpy(),
                budget,
                args.time_limit * 12,
            )
            plain_seconds = time.perf_counter() - start
            console.print(
                f"city {city}: plain MILP {plain_seconds:.1f} s "
                f"({'proven' if proven else 'not proven'}, value {value / GAIN_SCALE:.2f}), ours "
                f"{summary['solve_seconds']} s solve (value {ours / GAIN_SCALE:.2f}); "
                f"time ratio ours/plain {float(summary['solve_seconds']) / plain_seconds:.3f}"
            )
    console.print(table)
    console.print(machine_info())


if __name__ == "__main__":
    main()
