"""``python -m benchmarks``: list the benchmarks, or run one or all of them.

Each benchmark is its own module with its own options (``python -m benchmarks.bench_X --help``);
this entry point only finds and starts them, in separate processes so peak-memory figures stay
per benchmark. Province-scale runs take minutes each; ``--quick`` passes ``--quick`` to those
that support a small grid.
"""

from __future__ import annotations

import argparse
import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def supports_quick(name: str) -> bool:
    return "--quick" in (HERE / f"{name}.py").read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: list them)")
    parser.add_argument("--all", action="store_true", help="run every benchmark")
    parser.add_argument("--quick", action="store_true", help="small grids where supported")
    args = parser.parse_args()
    names = available() if args.all else args.names
    if not names:
        print("Benchmarks (python -m benchmarks NAME … | --all [--quick]):")
        for name in available():
            print(f"  {name}{'  (--quick)' if supports_quick(name) else ''}")
        print("Latest figures and the command for each: benchmarks/RESULTS.md")
        return 0
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in names:
        command = [sys.executable, "-m", f"benchmarks.{name}"]
        if args.quick and supports_quick(name):
            command.append("--quick")
        print(f"$ {' '.join(command[1:])}", flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
