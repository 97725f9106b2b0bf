"""Runs started through the API execute on a small pool of background threads; their progress
and outcome live in the database (``GET /api/v1/runs/{id}``)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from fastapi import FastAPI
from sqlalchemy import Engine

from matcher.errors import MatcherError
from matcher.runs import execute_run

logger = logging.getLogger("matcher.api.runs")
_lock = threading.Lock()


class RunRunner:
    """A thread pool executing started runs."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="run")
        self.futures: dict[int, Future[None]] = {}

    def submit(self, engine: Engine, run_id: int) -> None:
        self.futures[run_id] = self._pool.submit(self._execute, engine, run_id)

    @staticmethod
    def _execute(engine: Engine, run_id: int) -> None:
        try:
            execute_run(engine, run_id)
        except MatcherError as error:  # recorded on the run as failed
            logger.warning("run %s failed: %s", run_id, error)
        except Exception:  # recorded on the run too; keep the worker thread alive
            logger.exception("run %s crashed", run_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def runner_for(app: FastAPI, workers: int) -> RunRunner:
    """The app's runner, made on first use."""
    with _lock:
        if app.state.runner is None:
            app.state.runner = RunRunner(workers)
        runner: RunRunner = app.state.runner
        return runner
