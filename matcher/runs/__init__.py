"""Weekly runs: immutable, crash-safe run records of one city's week, and offers."""

from matcher.runs.compute import RunConfig, WeekInputs, WeekOutputs, compute_week
from matcher.runs.store import (
    OFFER_OUTCOMES,
    RECORDED_OUTCOMES,
    RUN_STATUSES,
    OutcomeConflict,
    OutcomeDateError,
    RunConflict,
    RunOutcome,
    execute_run,
    export_digest,
    export_run,
    latest_run,
    load_inputs,
    reap_abandoned,
    record_outcome,
    run_week,
    start_run,
)
from matcher.runs.week import normalise_week, parse_week, week_of, week_reference_date

__all__ = [
    "OFFER_OUTCOMES",
    "RECORDED_OUTCOMES",
    "RUN_STATUSES",
    "OutcomeConflict",
    "OutcomeDateError",
    "RunConfig",
    "RunConflict",
    "RunOutcome",
    "WeekInputs",
    "WeekOutputs",
    "compute_week",
    "execute_run",
    "export_digest",
    "export_run",
    "latest_run",
    "load_inputs",
    "normalise_week",
    "parse_week",
    "reap_abandoned",
    "record_outcome",
    "run_week",
    "start_run",
    "week_of",
    "week_reference_date",
]
