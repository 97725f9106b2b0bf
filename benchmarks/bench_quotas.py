"""Apportionment speed: 30,000 posts over 14 cities and 10,000 over ~100 districts, every method.

Peer: the PyPI package ``apportionment`` (no bounds; ``fractions=True`` is its exact mode) on the
same integer weights in the same run; the ratio is ours / peer. Run:

    .venv/bin/python -m benchmarks.bench_quotas
"""

from __future__ import annotations

import random
from fractions import Fraction
from functools import partial

from rich.console import Console
from rich.table import Table

from benchmarks._common import best_of, machine_info, peak_rss_mib
from matcher.quotas.methods import METHODS, apportion
from matcher.quotas.paradox import audit_house_monotonicity

PEER_NAME = {
    "hamilton": "largest_remainder",
    "jefferson": "dhondt",
    "webster": "saintelague",
    "adams": "adams",
    "dean": "dean",
    "huntington-hill": "huntington",
}

# 2009 registered population of the 14 cities, thousands (notice digest, approx.).
CITY_POPULATION = [
    7200,
    5800,
    3500,
    2200,
    1500,
    2400,
    3100,
    2300,
    1900,
    1800,
    1300,
    3000,
    3400,
    2800,
]


def _districts(n: int, seed: int) -> list[int]:
    """Synthetic district need: eligible counts between 200 and 40,000, log-uniform."""
    rng = random.Random(seed)
    return [int(200 * 200 ** rng.random()) for _ in range(n)]


def main() -> None:
    console = Console()
    cases = [
        ("14 cities", 30_000, CITY_POPULATION),
        ("100 districts", 10_000, _districts(100, seed=2009)),
    ]
    try:
        import apportionment.methods as peer
    except ImportError:  # the peer is a test-only dependency
        peer = None
    table = Table(
        title="Apportionment, seconds (ours: best of 5; peer: apportionment 1.0, "
        "fractions=True, 1 run, its Huntington-Hill in floats)"
    )
    for column in ("size", "total", "method", "bounds", "ours", "peer exact", "ratio"):
        table.add_column(column, justify="left" if column in ("size", "method") else "right")
    for label, total, weights in cases:
        regions = [f"R{i:03d}" for i in range(len(weights))]
        exact = [Fraction(w) for w in weights]
        n = len(weights)
        minimum = [total // (4 * n)] * n  # every region at least a quarter of an equal share
        maximum: list[int | None] = [total * 15 // 100] * n  # nobody above 15 %
        for method in METHODS:
            plain = partial(apportion, regions, exact, total, method, ties="lot", seed=0)
            ours, _ = best_of(5, plain)
            with_bounds = partial(plain, minimum=minimum, maximum=maximum)
            bounded, _ = best_of(5, with_bounds)
            peer_cell = ratio_cell = "n/a"
            if peer is not None:
                # The peer is slow in exact mode (it lists every seat's quotient): one run.
                theirs, _ = best_of(
                    1,
                    partial(peer.compute, PEER_NAME[method], weights, total, True, parties=regions),
                )
                peer_cell = f"{theirs:.4f}"
                ratio_cell = f"{ours / theirs:.2g}"
            table.add_row(label, str(total), method, "none", f"{ours:.4f}", peer_cell, ratio_cell)
            table.add_row(label, str(total), method, "min+max", f"{bounded:.4f}", "", "")
    console.print(table)

    audit_table = Table(title="House-monotonicity audit of 100 raises of the total, seconds")
    for column in ("size", "method", "seconds", "violations"):
        audit_table.add_column(column)
    for label, total, weights in cases:
        regions = [f"R{i:03d}" for i in range(len(weights))]
        for method in ("hamilton", "webster"):
            seconds, audit = best_of(
                1, partial(audit_house_monotonicity, regions, weights, total, method, steps=100)
            )
            audit_table.add_row(label, method, f"{seconds:.3f}", str(len(audit.violations)))
    console.print(audit_table)
    console.print(f"peak RSS {peak_rss_mib():.0f} MiB")
    console.print(machine_info())


if __name__ == "__main__":
    main()
