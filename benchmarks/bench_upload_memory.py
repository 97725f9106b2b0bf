"""Upload memory: a large invalid CSV against ``matcher serve`` on loopback, with the server's
resident memory sampled throughout and ``/health`` polled meanwhile (issue 13, item 4).

The issue's probe: 1,000,000 rows of empty cells (26 MiB) made 21 million error items, a
1.75 GB response and a 14.6 GiB server. Now the body is read under a size limit, validated in
20,000-row chunks that keep the first 1,000 problems and count the rest, and answered with the
first 100 and ``errors_omitted``; parsing and validation run in the thread pool.

    .venv/bin/python -m benchmarks.bench_upload_memory [--rows 1000000] [--limit-mib 1500]

Exits non-zero if the server's peak RSS passes ``--limit-mib``, the response is not a bounded
422, or ``/health`` went unanswered for more than ``--health-seconds`` during the upload.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks._common import machine_info
from matcher.schemas.tables import TABLES
from matcher.storage import make_engine, upgrade
from matcher.storage.keys import create_key

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--limit-mib", type=float, default=1500.0)
    parser.add_argument("--health-seconds", type=float, default=2.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    url = f"sqlite:///{workdir / 'upload.db'}"
    engine = make_engine(url)
    upgrade(engine)
    key = create_key(engine, "province")
    engine.dispose()
    columns = [c.name for c in TABLES["seekers"].columns]
    body = (",".join(columns) + "\n" + "," * (len(columns) - 1) + "\n" * 1).encode()
    body = body + ("," * (len(columns) - 1) + "\n").encode() * (args.rows - 1)

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--db", url,
         "--no-access-log"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MATCHER_RUN_PROCESSES": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
        idle = _rss_mib(process.pid)
        done = threading.Event()
        peak = [idle]
        worst_health = [0.0]

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mib(process.pid))
                time.sleep(0.05)

        def health() -> None:
            while not done.is_set():
                start = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(f"{base}/health", timeout=60)
                worst_health[0] = max(worst_health[0], time.perf_counter() - start)
                time.sleep(0.1)

        watchers = [threading.Thread(target=sample), threading.Thread(target=health)]
        for watcher in watchers:
            watcher.start()
        started = time.perf_counter()
        response = httpx.post(
            f"{base}/api/v1/seekers",
            content=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
            timeout=600,
        )
        seconds = time.perf_counter() - started
        done.set()
        for watcher in watchers:
            watcher.join()
    finally:
        process.terminate()
        process.wait(timeout=30)
    payload = response.json()
    print(f"machine: {machine_info()}")
    print(
        f"rows {args.rows:,} | body {len(body) / 2**20:.1f} MiB | status {response.status_code} "
        f"| response {len(response.content) / 1024:.1f} KiB | errors listed "
        f"{len(payload.get('errors', []))} + omitted {payload.get('errors_omitted', 0):,} "
        f"| {seconds:.1f} s | server RSS idle {idle:.0f} MiB, peak {peak[0]:.0f} MiB "
        f"| slowest /health {worst_health[0]:.2f} s"
    )
    failed = (
        response.status_code != 422
        or len(response.content) > 1_000_000
        or peak[0] > args.limit_mib
        or worst_health[0] > args.health_seconds
    )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
