"""Matching-mechanism benchmark: deferred acceptance and serial dictatorship over a size grid.

Province scale is 300,000 seekers, 3,000 posts with 30,000 places in 14 cities and 50 candidates
per seeker (15 million arcs). Each row times the mechanism functions themselves, from the
candidate table in memory to the placed pairs (validation and encoding by ``build_problem``
included), each size in a child process so its peak memory is its own:

* ``DA``: :func:`~matcher.allocation.mechanisms.deferred_acceptance`;
* ``DA+reserves``: the same with 30 % of every post's places reserved for a 20 % group
  (``reserved_first``);
* ``SD``: :func:`~matcher.allocation.mechanisms.serial_dictatorship`;
* ``SD+caps``: the same with every city capped at 90 % of its places.

In the same run, the peer: the ``matching`` package's hospital–resident solver
(``HospitalResident``, resident-optimal, the same output as ``DA``), on the same instances from
the smallest size up until one takes longer than ``--matching-timeout``; its time is building the
game from preference dictionaries plus solving. Its matching is compared pair by pair with ours.

Run::

    .venv/bin/python -m benchmarks.bench_mechanisms            # full grid, up to province scale
    .venv/bin/python -m benchmarks.bench_mechanisms --quick    # small grid
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from benchmarks._common import machine_info, peak_rss_mib

N_CITIES = 14
MECHANISMS = ("DA", "DA+reserves", "SD", "SD+caps")


@dataclass
class Instance:
    candidates: pd.DataFrame
    capacity: pd.Series
    priority: pd.Series
    post_city: pd.Series
    city_cap: pd.Series
    group: pd.Series
    reserved: pd.Series


def make_instance(n_seekers: int, per_seeker: int = 50, *, seed: int = 0) -> Instance:
    """Seeded province-shaped instance: one post per 100 seekers with 10 places on average in
    14 cities, ``per_seeker`` distinct candidate posts per seeker, scores with 6 decimals that
    share a post-attractiveness term (so seekers compete for the same posts and rejection chains
    are long), a random strict priority, city caps at 90 % of a city's places, a 20 % group and
    30 % of each post's places reserved for it."""
    rng = np.random.default_rng(seed)
    n_posts = max(n_seekers // 100, per_seeker)
    capacity = rng.integers(1, 20, n_posts)  # mean 10: 30,000 places at province scale
    post_city = rng.integers(0, N_CITIES, n_posts)
    # Distinct posts per seeker: start + k * step modulo n_posts, step coprime to n_posts.
    steps = np.array([s for s in range(1, 500) if np.gcd(s, n_posts) == 1], dtype=np.int64)
    step = rng.choice(steps, n_seekers)
    start = rng.integers(0, n_posts, n_seekers)
    offsets = np.arange(per_seeker, dtype=np.int64)
    posts_of = ((start[:, None] + offsets[None, :] * step[:, None]) % n_posts).ravel()
    attractiveness = rng.random(n_posts)
    score = np.round(0.5 * attractiveness[posts_of] + 0.5 * rng.random(posts_of.size), 6)
    post_ids = pd.Index(np.arange(n_posts, dtype=np.int64) + 1_000_000, name="post_id")
    seeker_ids = pd.Index(np.arange(n_seekers, dtype=np.int64), name="seeker_id")
    candidates = pd.DataFrame(
        {
            "seeker_id": np.repeat(seeker_ids.to_numpy(), per_seeker),
            "post_id": post_ids.to_numpy()[posts_of],
            "score": score,
        }
    )
    places_per_city = np.bincount(post_city, weights=capacity, minlength=N_CITIES)
    return Instance(
        candidates=candidates,
        capacity=pd.Series(capacity, index=post_ids),
        priority=pd.Series(rng.permutation(n_seekers), index=seeker_ids),
        post_city=pd.Series(post_city, index=post_ids),
        city_cap=pd.Series(np.floor(0.9 * places_per_city).astype(np.int64)),
        group=pd.Series(rng.random(n_seekers) < 0.2, index=seeker_ids),
        reserved=pd.Series(np.floor(0.3 * capacity).astype(np.int64), index=post_ids),
    )


def _run_mechanism(instance: Instance, mechanism: str) -> pd.DataFrame:
    """Validate and encode the tables into a problem (``build_problem``, as ``allocate`` does),
    run the mechanism, and return the placed (seeker_id, post_id) pairs."""
    from matcher.allocation.mechanisms import deferred_acceptance, serial_dictatorship
    from matcher.allocation.problem import ReserveSpec, build_problem, encode_reserves

    seekers = pd.DataFrame(
        {"seeker_id": instance.priority.index, "lottery": instance.priority.to_numpy()}
    )
    posts = pd.DataFrame(
        {
            "post_id": instance.capacity.index,
            "capacity": instance.capacity.to_numpy(),
            "city": instance.post_city.reindex(instance.capacity.index).to_numpy(),
        }
    )
    caps = None
    if mechanism == "SD+caps":
        caps = pd.DataFrame({"city": instance.city_cap.index, "cap": instance.city_cap.to_numpy()})
    problem = build_problem(seekers, posts, instance.candidates, city_caps=caps)
    if mechanism == "DA":
        matching = deferred_acceptance(problem)
    elif mechanism == "DA+reserves":
        reserves = ReserveSpec(instance.group, instance.reserved, "reserved_first")
        matching = deferred_acceptance(problem, reserves=encode_reserves(problem, reserves))
    else:
        matching = serial_dictatorship(problem)
    return pd.DataFrame(
        {
            "seeker_id": problem.seekers["seeker_id"].to_numpy()[
                problem.cand_seeker[matching.chosen]
            ],
            "post_id": problem.posts["post_id"].to_numpy()[problem.cand_post[matching.chosen]],
        }
    )


def _best_of(repeats: int, func: Callable[[], pd.DataFrame]) -> tuple[float, float, pd.DataFrame]:
    """Best wall and best CPU seconds of ``repeats`` calls, and the last result. On a shared
    machine the CPU time is the steadier figure: wall time includes waiting for a core."""
    wall, cpu = float("inf"), float("inf")
    result = pd.DataFrame()
    for _ in range(repeats):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        result = func()
        wall = min(wall, time.perf_counter() - wall_start)
        cpu = min(cpu, time.process_time() - cpu_start)
    return wall, cpu, result


def _size_worker(n_seekers: int, per_seeker: int, queue: multiprocessing.Queue) -> None:
    """Time every mechanism on one size, in a fresh process so peak memory is this size's."""
    import matcher.allocation.mechanisms  # noqa: F401  (import time is not the mechanism's)

    instance = make_instance(n_seekers, per_seeker)
    repeats = 3 if n_seekers <= 30_000 else 1
    rows = []
    for mechanism in MECHANISMS:

        def once(mechanism: str = mechanism) -> pd.DataFrame:
            return _run_mechanism(instance, mechanism)

        wall, cpu, result = _best_of(repeats, once)
        rows.append((mechanism, wall, cpu, len(result)))
        del result
    queue.put((rows, len(instance.candidates), int(instance.capacity.sum()), peak_rss_mib()))


def _in_child(target: Callable[..., None], args: tuple[object, ...], timeout: float) -> Any:
    """Run ``target(*args, queue)`` in a forked process; its answer, or None after ``timeout``."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    try:
        return queue.get(timeout=timeout)
    except Exception:  # queue.Empty: the child ran out of time
        return None
    finally:
        if process.is_alive():
            process.kill()
        process.join()


def _matching_worker(n_seekers: int, per_seeker: int, queue: multiprocessing.Queue) -> None:
    """Solve the same instance with the matching package; send its time and pairs back."""
    from matching.games import HospitalResident

    instance = make_instance(n_seekers, per_seeker)
    ranked = instance.candidates.sort_values(
        ["seeker_id", "score", "post_id"], ascending=[True, False, True]
    )
    resident_prefs = {
        seeker: list(posts) for seeker, posts in ranked.groupby("seeker_id")["post_id"]
    }
    by_priority = instance.candidates.assign(
        rank=instance.priority.reindex(instance.candidates["seeker_id"]).to_numpy()
    ).sort_values(["post_id", "rank"])
    hospital_prefs = {
        post: list(seekers) for post, seekers in by_priority.groupby("post_id")["seeker_id"]
    }
    capacities = {post: int(instance.capacity[post]) for post in hospital_prefs}
    answer: list[object] = []

    def solve() -> None:
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        matching = game.solve(optimal="resident")
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
        pairs = sorted((r.name, h.name) for h, residents in matching.items() for r in residents)
        answer.append((wall, cpu, pairs))

    # The package deep-copies linked player objects recursively: raise the recursion limit and
    # give the solving thread a stack large enough for it.
    sys.setrecursionlimit(max(10_000, 20 * n_seekers))
    threading.stack_size(1 << 30)
    thread = threading.Thread(target=solve)
    thread.start()
    thread.join()
    queue.put(answer[0])


def run(sizes: list[int], per_seeker: int, matching_sizes: list[int], timeout: float) -> None:
    console = Console(width=150)
    console.print(f"[bold]Machine:[/] {machine_info()}")
    table = Table(
        title="Matching mechanisms: wall (CPU) seconds from the candidate table to the result, "
        "best of 3 up to 30,000 seekers"
    )
    for column in ("seekers", "arcs", "places", *MECHANISMS, "placed (DA)", "peak MiB"):
        table.add_column(column, justify="right")
    for n_seekers in sizes:
        outcome = _in_child(_size_worker, (n_seekers, per_seeker), timeout=1800)
        if outcome is None:
            console.print(f"{n_seekers:,} seekers: no answer (killed or out of time)")
            continue
        rows, arcs, places, peak = outcome
        seconds = {mechanism: f"{wall:.2f} ({cpu:.2f})" for mechanism, wall, cpu, _ in rows}
        placed = {mechanism: p for mechanism, _, _, p in rows}
        table.add_row(
            f"{n_seekers:,}",
            f"{arcs:,}",
            f"{places:,}",
            *(seconds[m] for m in MECHANISMS),
            f"{placed['DA']:,}",
            f"{peak:,.0f}",
        )
    console.print(table)

    peer = Table(title="DA vs the matching package's HospitalResident (resident-optimal)")
    for column in (
        "seekers",
        "arcs",
        "matching wall s",
        "DA wall s",
        "ratio wall",
        "matching CPU s",
        "DA CPU s",
        "ratio CPU",
        "same pairs",
    ):
        peer.add_column(column, justify="right")
    for n_seekers in matching_sizes:
        instance = make_instance(n_seekers, per_seeker)

        def ours_once(instance: Instance = instance) -> pd.DataFrame:
            return _run_mechanism(instance, "DA")

        ours_wall, ours_cpu, ours = _best_of(3, ours_once)
        outcome = _in_child(_matching_worker, (n_seekers, per_seeker), timeout=timeout)
        if outcome is None:
            peer.add_row(
                f"{n_seekers:,}",
                f"{len(instance.candidates):,}",
                f"> {timeout:.0f} (stopped)",
                f"{ours_wall:.3f}",
                "—",
                "—",
                f"{ours_cpu:.3f}",
                "—",
                "—",
            )
            break
        theirs_wall, theirs_cpu, theirs_pairs = outcome
        ours_pairs = sorted(zip(ours["seeker_id"].tolist(), ours["post_id"].tolist(), strict=True))
        peer.add_row(
            f"{n_seekers:,}",
            f"{len(instance.candidates):,}",
            f"{theirs_wall:.2f}",
            f"{ours_wall:.3f}",
            f"{theirs_wall / ours_wall:,.0f}×",
            f"{theirs_cpu:.2f}",
            f"{ours_cpu:.3f}",
            f"{theirs_cpu / ours_cpu:,.0f}×",
            "yes" if ours_pairs == theirs_pairs else "NO",
        )
    console.print(peer)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grid")
    parser.add_argument("--sizes", type=int, nargs="*", help="numbers of seekers")
    parser.add_argument("--per-seeker", type=int, default=50, help="candidates per seeker")
    parser.add_argument("--matching-sizes", type=int, nargs="*", help="sizes for the peer")
    parser.add_argument(
        "--matching-timeout", type=float, default=180.0, help="seconds before the peer is stopped"
    )
    args = parser.parse_args(argv)
    default_sizes = [3_000, 30_000] if args.quick else [3_000, 30_000, 100_000, 300_000]
    default_matching = [1_000] if args.quick else [1_000, 3_000, 6_000, 10_000]
    run(
        args.sizes or default_sizes,
        args.per_seeker,
        args.matching_sizes if args.matching_sizes is not None else default_matching,
        args.matching_timeout,
    )


if __name__ == "__main__":
    main()
