"""Welfare placements by priority group under the notice's priority and the listing-order preset.

Issue 14: the shipped welfare rules put zero-employment family members first (三十九) and every
other group in one tier ordered by need; the old ranking (each group of (三) in its own tier, in
listing order) is kept as the preset ``listing_order``. This benchmark places the same province
both ways, as the rules prescribe (lexicographic with city quotas and the family guarantee, the
shipped ranker's scores: :data:`matcher.reports.bench.POLICY_SETTING`), and prints placements by
group side by side — the table ``docs/policies.md`` quotes and every ``matcher bench-fairness``
report carries. The reference in the same run is the instance build (generation, eligibility,
candidates) of the default preset.

Run: ``.venv/bin/python -m benchmarks.bench_presets [--scale province] [--seed 7]``
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from benchmarks._common import machine_info, peak_rss_mib
from matcher.policy import load_policy
from matcher.reports.bench import build_instance, preset_comparison


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--program", default="welfare")
    args = parser.parse_args()

    start, cpu = time.perf_counter(), time.process_time()
    presets = load_policy(args.program).presets
    instances = []
    for preset in presets:
        instances.append(
            build_instance(
                args.scale, args.seed, program=args.program, candidate_source="ranker",
                preset=preset,
            )
        )  # fmt: skip
    build_seconds = instances[0].build_seconds
    table = preset_comparison(instances)
    wall, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu

    first = instances[0]
    print(f"machine: {machine_info()}")
    print(
        f"{args.program}, {args.scale} scale, seed {args.seed}: {len(first.seekers):,} eligible, "
        f"{first.places:,} places, {len(first.candidates):,} candidate pairs; presets "
        f"{', '.join(presets)}"
    )
    print(
        f"wall {wall:.1f} s, CPU {cpu_seconds:.1f} s, peak RSS {peak_rss_mib():,.0f} MiB; "
        f"reference: the default instance's build took {build_seconds:.1f} s "
        f"(whole run {wall / build_seconds:.1f}x it)"
    )
    placed = [c for c in table.columns if c.startswith("placed_")]
    totals = {c: int(table.loc[table["group"] != "zero_employment", c].sum()) for c in placed}
    print(
        f"placements counted over groups outside tier 1 (a person counts once per group): {totals}"
    )
    print(_markdown(table))


def _markdown(table: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:.4f}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
