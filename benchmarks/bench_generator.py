"""Generator speed and memory: ``small``, ``city`` and ``province`` scales.

Each scale runs in its own process so its peak resident memory is its own. The peer is the usual
way synthetic people are made, faker row by row (``zh_CN`` ``name()`` and ``ssn()`` per seeker,
two of the seekers table's 27 columns), timed in the same run for the same number of seekers;
the ratio says how much the vectorised generator gains even though it does far more per row.

Run: ``.venv/bin/python -m benchmarks.bench_generator [--scales small city province]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

from rich.console import Console
from rich.table import Table

from benchmarks._common import machine_info

_CHILD = r"""
import json, sys, tempfile, time
from benchmarks._common import peak_rss_mib
from matcher.generator import generate_province
from matcher.generator.output import write_province
from matcher.generator.world import load_world

scale, seed = sys.argv[1], int(sys.argv[2])
load_world()
start = time.perf_counter()
province = generate_province(scale, seed=seed)
generated = time.perf_counter() - start
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    manifest = write_province(province, out)
    written = time.perf_counter() - start
print(json.dumps({
    "generate_s": generated, "write_s": written, "peak_mib": peak_rss_mib(),
    "rows": manifest["rows"],
}))
"""

_FAKER = r"""
import json, sys, time
from faker import Faker
n = int(sys.argv[1])
fake = Faker("zh_CN")
fake.seed_instance(0)
start = time.perf_counter()
rows = [(fake.name(), fake.ssn()) for _ in range(n)]
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

FAKER_LIMIT = 60_000  # faker on 400,000 rows takes minutes; the ratio is stable well before


def _run(code: str, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["small", "city", "province"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    table = Table(title="matcher generate: time and peak memory per scale")
    for column in (
        "scale",
        "seekers",
        "posts",
        "placements",
        "generate s",
        "write csv s",
        "total s",
        "peak MiB",
        "faker name+ssn s",
        "faker / generate",
    ):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory():
        for scale in args.scales:
            result = _run(_CHILD, scale, str(args.seed))
            rows = result["rows"]
            assert isinstance(rows, dict)
            seekers = int(rows["seekers"])
            generate_s = float(result["generate_s"])  # type: ignore[arg-type]
            write_s = float(result["write_s"])  # type: ignore[arg-type]
            if seekers <= FAKER_LIMIT:
                faker_s = float(_run(_FAKER, str(seekers))["seconds"])  # type: ignore[arg-type]
                faker_cell, ratio_cell = f"{faker_s:.2f}", f"{faker_s / generate_s:.1f}×"
            else:
                faker_cell, ratio_cell = "not run", "—"
            table.add_row(
                scale,
                f"{seekers:,}",
                f"{int(rows['posts']):,}",
                f"{int(rows['placements']):,}",
                f"{generate_s:.1f}",
                f"{write_s:.1f}",
                f"{generate_s + write_s:.1f}",
                f"{float(result['peak_mib']):,.0f}",  # type: ignore[arg-type]
                faker_cell,
                ratio_cell,
            )
    console = Console(width=150)
    console.print(table)
    console.print(machine_info())


if __name__ == "__main__":
    main()
