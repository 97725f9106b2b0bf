"""The whole demo at province scale, stage by stage: seconds and peak resident memory per stage.

``matcher demo --scale province`` generates 400,000 seekers, validates every table, evaluates
four programmes' eligibility, apportions city quotas, scores candidates with the shipped ranker
and allocates welfare (with the family guarantee) and grassroots posts lexicographically, then
writes every placement with its reasons. The target (issue 12): under 3 minutes of wall time
with peak RSS under 6 GB on the 2-core, 24 GB machine.

The demo runs in a child process so its peak memory is its own; a sampler thread in the child
reads the resident set every 20 ms, so each stage's peak is its own too (``ru_maxrss`` only
gives the process's peak so far). The reference in the same run is the generator alone at the
same scale (``generate`` row): the rest of the pipeline is read as a multiple of it.

Run: ``.venv/bin/python -m benchmarks.bench_demo [--scale province] [--seed 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from rich.console import Console
from rich.table import Table

from benchmarks._common import machine_info

_CHILD = r"""
import json, sys, threading, time
from pathlib import Path
from matcher.programs.demo import run_demo

scale, seed, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
page = 4096

def rss_mib():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * page / 2**20

stages = []
current = {
    "name": "start", "start": time.perf_counter(), "cpu": time.process_time(), "peak": rss_mib()
}
lock = threading.Lock()
done = threading.Event()

def sample():
    while not done.wait(0.02):
        value = rss_mib()
        with lock:
            current["peak"] = max(current["peak"], value)

def close():
    now, cpu = time.perf_counter(), time.process_time()
    with lock:
        stages.append({
            "stage": current["name"], "seconds": now - current["start"],
            "cpu": cpu - current["cpu"], "peak_mib": max(current["peak"], rss_mib()),
        })
        current.update(name=None, start=now, cpu=cpu, peak=rss_mib())

def step(name):
    close()
    with lock:
        current["name"] = name

threading.Thread(target=sample, daemon=True).start()
start = time.perf_counter()
result = run_demo(out, scale=scale, seed=seed, step=step)
close()
done.set()
total = time.perf_counter() - start
rows = {name: len(frame) for name, frame in result.dataset.tables.items()}
placed = {p: int(run.allocation.n_placed) for p, run in result.allocations.items()}
pairs = {p: run.candidate_pairs for p, run in result.allocations.items()}
print(json.dumps({
    "stages": stages[1:], "total_s": total, "cpu_s": time.process_time(),
    "rows": rows, "placed": placed, "pairs": pairs,
}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=["small", "city", "province"])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    console = Console(width=140)
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, args.scale, str(args.seed), out],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        console.print(done.stderr[-4000:], markup=False)
        return 1
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    table = Table(
        title=f"matcher demo --scale {args.scale} --seed {args.seed}: "
        f"{figures['total_s']:.1f} s wall, {figures['cpu_s']:.1f} s CPU, peak "
        f"{max(s['peak_mib'] for s in figures['stages']):,.0f} MiB"
    )
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("CPU s", justify="right")
    table.add_column("peak MiB", justify="right")
    generate = figures["stages"][0]["seconds"]
    for stage in figures["stages"]:
        table.add_row(
            stage["stage"],
            f"{stage['seconds']:.1f}",
            f"{stage['cpu']:.1f}",
            f"{stage['peak_mib']:,.0f}",
        )
    console.print(table)
    console.print(
        "rows: " + ", ".join(f"{n:,} {name}" for name, n in figures["rows"].items()),
        highlight=False,
    )
    console.print(
        "candidate pairs: "
        + ", ".join(f"{p} {n:,}" for p, n in figures["pairs"].items())
        + "; placed: "
        + ", ".join(f"{p} {n:,}" for p, n in figures["placed"].items()),
        highlight=False,
    )
    console.print(
        f"whole demo / generator alone (same run): {figures['total_s'] / generate:.2f}×",
        highlight=False,
    )
    load = os.getloadavg()[0]
    console.print(f"machine: {machine_info()}; load average at the end {load:.1f}", highlight=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
