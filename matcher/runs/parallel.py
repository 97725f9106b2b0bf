"""Computing one half of a weekly run in a second process.

A run's vacancy half (candidates, congestion-aware lists, shortlists) does not depend on its
program placements, and both are CPU-bound Python/NumPy/OR-Tools work that holds the GIL, so
on a machine with two or more cores the vacancy half runs in a child process while the parent
places the programs. The outputs are the same either way (a test compares the digests).

The child is forked directly when this process has no other Python thread (the CLI, a
benchmark); from a threaded process (the API's run executor) it comes from a fork server,
since forking a process whose other threads may hold locks is unsafe.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

T = TypeVar("T")

#: ``1`` turns the second process off; ``2`` turns it on whatever the run's size.
PROCESSES_ENV = "MATCHER_RUN_PROCESSES"
#: Below this many seeker × vacancy cells a run is cheap and a process costs more than it saves.
MIN_CELLS = 20_000_000


def wanted(n_seekers: int, n_vacancies: int, workers: int | None = None) -> bool:
    """Whether a run of this size should use a second process.

    ``workers`` (else ``$MATCHER_RUN_PROCESSES``) of 1 means never and 2 or more means always;
    unset, a large run on a machine with at least two usable cores does.
    """
    if workers is None:
        setting = os.environ.get(PROCESSES_ENV, "").strip()
        workers = int(setting) if setting.isdigit() else None
    if workers is not None:
        return workers >= 2
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) >= 2 and n_seekers * n_vacancies >= MIN_CELLS


def start_method() -> str:
    """``fork`` from a single-threaded process, else ``forkserver`` (``spawn`` without either)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def one_thread_each() -> AbstractContextManager[Any]:
    """Native thread pools (OpenMP of the ranker's gradient boosting, BLAS) limited to one
    thread, for the parent while its child runs: two processes that each start a thread per
    core oversubscribe the cores, and OpenMP's spinning threads then slow both down."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _one_thread(function: Callable[..., T], *args: Any) -> T:
    with one_thread_each():
        return function(*args)


def run_beside(function: Callable[..., T], *args: Any, method: str | None = None) -> Future[T]:
    """Start ``function(*args)`` in a child process (native thread pools limited to one
    thread); the future holds its result or error.

    The child exits when the result is in (the executor is shut down without waiting).
    """
    context = multiprocessing.get_context(method or start_method())
    executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        future = executor.submit(_one_thread, function, *args)
    finally:
        executor.shutdown(wait=False)
    return future


__all__ = ["MIN_CELLS", "PROCESSES_ENV", "one_thread_each", "run_beside", "start_method", "wanted"]
