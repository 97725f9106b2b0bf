"""Service benchmarks: the Shenyang-scale weekly run end to end, and reading one seeker's
recommendations under load against ``matcher serve`` on loopback with the database at province
scale, twice: a closed loop at saturation (wrk, 2 threads, 50 connections) and an open loop at a
fixed offered rate (``--rate``, latency counted from when each request was due).

Run: ``.venv/bin/python -m benchmarks.bench_service [--part run|load|all] [--seconds 20]``.
The load part builds its database from scratch (minutes); ``--keep-db FILE`` saves it and
``--db-file FILE`` serves a copy of such a file instead, for iterating.

Peers, in the same run: the weekly run with congestion-aware lists (``capped``) against the
plain top-k lists (``topk``) — time ratio, and concentration with/without the cap; the load test
against ``GET /health`` (no key, a ``SELECT 1``) as the floor of the stack. The server's CPU per
request is reported beside each figure: on a shared machine req/s also counts others' work.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from benchmarks._common import machine_info, peak_rss_mib, timed

T = TypeVar("T")
console = Console(width=150)
ROOT = Path(__file__).resolve().parents[1]


def _load(url: str, scale: str, seed: int) -> dict[str, float]:
    from matcher.generator import generate_province
    from matcher.storage import make_engine, upgrade
    from matcher.storage.upsert import upsert_tables

    engine = make_engine(url)
    upgrade(engine)
    with timed() as generate:
        province = generate_province(scale, seed=seed)
    with timed() as load, engine.begin() as connection:
        upsert_tables(connection, province.tables)
    engine.dispose()
    return {
        "generate_s": generate.seconds,
        "load_s": load.seconds,
        "seekers": float(len(province.tables["seekers"])),
    }


def bench_run(workdir: Path) -> None:
    from matcher.runs import RunConfig, run_week
    from matcher.runs.parallel import PROCESSES_ENV
    from matcher.storage import make_engine

    url = f"sqlite:///{workdir / 'city.db'}"
    loading = _load(url, "city", seed=1)
    engine = make_engine(url)
    # The service's run first (cold: it also pays the one-time imports and the model load),
    # then the peers: the same run in one process, plain top-k lists, title similarity only.
    variants = {
        "capped, ranker, 2 processes": (RunConfig(), "2"),
        "capped, ranker, 1 process": (RunConfig(), "1"),
        "top-k, ranker, 2 processes": (RunConfig(method="topk"), "2"),
        "capped, similarity, 2 processes": (RunConfig(scorer="similarity"), "2"),
    }
    results = {}
    cpu: dict[str, float] = {}
    for label, (config, workers) in variants.items():
        os.environ[PROCESSES_ENV] = workers
        before = _cpu_seconds()
        with timed() as wall:
            outcome = run_week(engine, "2101", "2009-W12", config)
        cpu[label] = _cpu_seconds() - before
        results[label] = (wall.seconds, outcome)
    os.environ.pop(PROCESSES_ENV, None)
    main = next(iter(results))
    main_seconds, capped = results[main]
    pool = capped.summary["pool"]
    table = Table(
        title=f"Weekly run, Shenyang scale (2101, 2009-W12, SQLite): {pool['seekers']} seekers, "
        f"{pool['vacancies']} vacancies ({pool['vacancy_openings']} openings)"
    )
    for column in ("run", "wall s", "CPU s", "vs first", "top-1% share", "mean score",
                   "placed", "peak RSS MiB"):  # fmt: skip
        table.add_column(column)
    for label, (seconds, outcome) in results.items():
        report = outcome.summary["recommendations"]["with_cap"]
        table.add_row(
            label,
            f"{seconds:.1f}",
            f"{cpu[label]:.1f}",
            f"{seconds / main_seconds:.2f}",
            f"{report['top_share']:.3f}",
            f"{report['mean_score']:.3f}",
            str(sum(p["placed"] for p in outcome.summary["placements"].values())),
            f"{peak_rss_mib():.0f}",
        )
    console.print(table)
    for label in (main, "capped, ranker, 1 process"):
        stages = ", ".join(f"{k} {v:.1f}" for k, v in results[label][1].timings.items())
        console.print(f"{label} stages (s): {stages}")
    console.print(
        "CPU s counts this process and its finished children (the vacancy half of a "
        "2-process run); with 2 processes the vacancy stages overlap the placements, and "
        "wait_vacancies is what the placements did not cover"
    )
    console.print(
        f"generate {loading['generate_s']:.1f} s, load {loading['load_s']:.1f} s "
        f"({loading['seekers']:.0f} seekers); without cap the top 1 % of vacancies got "
        f"{capped.summary['recommendations']['without_cap']['top_share']:.3f} of entries"
    )
    engine.dispose()
    console.print(f"target: under 60 s end to end → {'met' if main_seconds < 60 else 'MISSED'}")


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system): on a shared
    machine the wall time also counts other people's work."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# wrk's own summary prints p50/p75/p90/p99 only; its Lua ``done`` hook can ask for any
# percentile, so every wrk run prints one line of JSON with the figures the target names.
_WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,'
    .. '"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def _wrk(url: str, seconds: int, headers: dict[str, str], script: Path) -> dict[str, float]:
    """Closed loop at saturation: 50 connections each sending its next request as soon as
    the previous answer arrives. Latencies in ms."""
    command = ["wrk", "-t2", "-c50", f"-d{seconds}s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^WRK_JSON (.*)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    raw = json.loads(found.group(1))
    figures = {f"p{q}": raw[f"p{q}"] / 1000 for q in (50, 90, 95, 99)}
    return {
        **figures,
        "requests": float(raw["requests"]),
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "errors": float(raw["non2xx"] + raw["socket_errors"]),
    }


def _without_gc(measure: Callable[[], T]) -> T:
    """Run the load generator with Python's collector off: this process still holds the
    weekly run's and the province's objects, and a full collection of that heap stalls the
    generator for hundreds of milliseconds, which would count as server latency."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return measure()
    finally:
        gc.enable()
        gc.unfreeze()


async def _open_loop(
    host: str,
    port: int,
    requests: list[bytes],
    rate: float,
    seconds: float,
    connections: int,
) -> dict[str, float]:
    """Open loop at a fixed offered rate: request *i* is due at ``start + i / rate`` whatever
    the server is doing, and its latency runs from when it was due, not from when a free
    connection let it go out (wrk's closed loop hides that queueing: coordinated omission).
    A plain HTTP/1.1 client on keep-alive connections, cheap enough not to steal much of the
    server's CPU. Latencies in ms."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    failures = 0

    async def send(due: float, data: bytes) -> None:
        nonlocal failures
        reader, writer = await idle.get()
        try:
            writer.write(data)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        finally:
            idle.put_nowait((reader, writer))
        latencies.append((loop.time() - due) * 1000)
        if not status.startswith(b"HTTP/1.1 200"):
            failures += 1

    total = int(rate * seconds)
    rng = random.Random(1)
    start = loop.time() + 0.05
    tasks = []
    behind = 0.0
    for i in range(total):
        due = start + i / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        behind = max(behind, -wait)
        tasks.append(asyncio.ensure_future(send(due, rng.choice(requests))))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    latencies.sort()
    # Nearest rank: the smallest latency with at least q % of requests at or below it.
    figures = {f"p{q}": latencies[max(0, math.ceil(q / 100 * len(latencies)) - 1)]
               for q in (50, 90, 95, 99)}  # fmt: skip
    return {
        **figures,
        "requests": float(total),
        "rps": total / elapsed,
        "errors": float(failures),
        "generator_late_ms": behind * 1000,
    }


def _process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants (the uvicorn workers), from
    /proc: the server's cost per request, apart from the load generator's."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (WAL included), through SQLite's backup."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _prepare_database(
    workdir: Path, db_file: Path | None, keep_db: Path | None
) -> tuple[str, int, str]:
    """The province database for the load test: ``(url, run_id, description)``.

    By default built from scratch (generate, load, one weekly run of 2101: minutes); with
    ``db_file``, a copy of a database built so before (``--keep-db``), whose newest succeeded
    run of 2101 is read.
    """
    from matcher.runs import queries, run_week
    from matcher.storage import make_engine, require_current
    from matcher.storage.models import seekers as seekers_table

    path = workdir / "province.db"
    url = f"sqlite:///{path}"
    if db_file is not None:
        _copy_sqlite(db_file, path)
        engine = make_engine(url)
        require_current(engine)
        with engine.connect() as connection:
            latest = queries.latest_succeeded(connection, "2101")
            seekers = connection.execute(select(func.count()).select_from(seekers_table)).scalar()
        engine.dispose()
        if latest is None:
            raise SystemExit(f"{db_file} has no succeeded run of 2101: build one with --keep-db")
        return url, latest[0], f"{seekers} seekers (prepared database {db_file})"
    loading = _load(url, "province", seed=1)
    engine = make_engine(url)
    with timed() as run_time:
        outcome = run_week(engine, "2101", "2009-W12")
    engine.dispose()
    if keep_db is not None:
        _copy_sqlite(path, keep_db)
    return (
        url,
        outcome.run_id,
        f"{loading['seekers']:.0f} seekers (generate {loading['generate_s']:.0f} s, load "
        f"{loading['load_s']:.0f} s), run of 2101 {run_time.seconds:.0f} s",
    )


def bench_load(
    workdir: Path,
    seconds: int,
    workers: int,
    *,
    rate: float,
    db_file: Path | None = None,
    keep_db: Path | None = None,
) -> None:
    from matcher.storage import make_engine
    from matcher.storage.keys import create_key
    from matcher.storage.models import RunRecommendation

    if shutil.which("wrk") is None:
        console.print("[red]wrk is not installed (apt-get install wrk); load test skipped[/]")
        return
    url, run_id, described = _prepare_database(workdir, db_file, keep_db)
    engine = make_engine(url)
    key = create_key(engine, "province")
    with engine.connect() as connection:
        seekers = sorted(
            set(
                connection.execute(
                    select(RunRecommendation.seeker_id).where(RunRecommendation.run_id == run_id)
                ).scalars()
            )
        )
    engine.dispose()
    sample = seekers[:: max(1, len(seekers) // 5000)]
    paths = [f"/api/v1/seekers/{seeker_id}/recommendations" for seeker_id in sample]
    floor_script = workdir / "done.lua"
    floor_script.write_text(_WRK_DONE, encoding="utf-8")
    script = workdir / "seekers.lua"
    script.write_text(
        "local ids = {" + json.dumps(sample)[1:-1] + "}\n"
        "request = function()\n"
        "  local id = ids[math.random(#ids)]\n"
        "  return wrk.format('GET', '/api/v1/seekers/' .. id .. '/recommendations')\n"
        "end\n" + _WRK_DONE,
        encoding="utf-8",
    )
    port = _free_port()
    env = {**os.environ, "MATCHER_DB": url}
    log = (workdir / "serve.log").open("wb")
    # The access log on, as served by default, written to a file as a bureau would keep it.
    access = (workdir / "access.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=access, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}
    raw_requests = [
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\n\r\n".encode()
        for path in paths
    ]
    results: dict[str, dict[str, float]] = {}

    def measured(name: str, run: Any) -> None:
        before = _process_cpu_seconds(server.pid)
        figures = run()
        figures["cpu_ms"] = (_process_cpu_seconds(server.pid) - before) / figures["requests"] * 1000
        results[name] = figures

    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        _wrk(f"{base}/health", 3, {}, floor_script)  # warm up
        _wrk(base, 3, headers, script)  # warm up: page cache, key cache, pools
        measured(
            "GET /health, closed loop", lambda: _wrk(f"{base}/health", seconds, {}, floor_script)
        )
        measured("recommendations, closed loop", lambda: _wrk(base, seconds, headers, script))
        measured(
            f"recommendations, open loop {rate:.0f}/s",
            lambda: _without_gc(
                lambda: asyncio.run(_open_loop("127.0.0.1", port, raw_requests, rate, seconds, 50))
            ),
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        access.close()
    floor = results["GET /health, closed loop"]
    table = Table(
        title=f"Reads under load, {seconds} s each: closed loop = wrk 2 threads, 50 connections "
        f"at saturation; open loop = fixed offered rate on 50 connections, latency from when "
        f"each request was due; matcher serve --workers {workers}; SQLite at province scale"
    )
    for column in ("measurement", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "errors",
                   "server CPU ms/req", "vs /health"):  # fmt: skip
        table.add_column(column)
    for name, figures in results.items():
        table.add_row(
            name,
            f"{figures['rps']:.0f}",
            f"{figures['p50']:.1f}",
            f"{figures['p90']:.1f}",
            f"{figures['p95']:.1f}",
            f"{figures['p99']:.1f}",
            f"{figures['errors']:.0f}",
            f"{figures['cpu_ms']:.2f}",
            f"{figures['rps'] / floor['rps']:.2f}",
        )
    console.print(table)
    open_loop = results[f"recommendations, open loop {rate:.0f}/s"]
    console.print(
        f"database: {described}; {len(seekers)} seekers with lists, {len(sample)} asked for; "
        f"open-loop generator at most {open_loop['generator_late_ms']:.1f} ms late"
    )
    for name in ("recommendations, closed loop", f"recommendations, open loop {rate:.0f}/s"):
        figures = results[name]
        met = figures["p95"] < 50 and figures["rps"] > 300 and figures["errors"] == 0
        console.print(f"{name}: target p95 < 50 ms and > 300 req/s → {'met' if met else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("run", "load", "all"), default="all")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rate", type=float, default=400, help="offered req/s of the open-loop measurement"
    )
    parser.add_argument(
        "--db-file",
        type=Path,
        help="load test: reuse this prepared province database (a copy is served) instead of "
        "building one (minutes)",
    )
    parser.add_argument(
        "--keep-db", type=Path, help="load test: save the database it built here, for --db-file"
    )
    args = parser.parse_args()
    console.print(machine_info())
    workdir = Path(tempfile.mkdtemp(prefix="bench-service-"))
    try:
        if args.part in ("run", "all"):
            bench_run(workdir)
        if args.part in ("load", "all"):
            bench_load(
                workdir,
                args.seconds,
                args.workers,
                rate=args.rate,
                db_file=args.db_file,
                keep_db=args.keep_db,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
