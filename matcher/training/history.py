"""Synthetic training history: past classes of the dataset's bases and their outcomes.

``make_training_history(sessions, seed=...)`` is a pure function of the sessions table and the
seed: every base that runs a session now ran classes of the same specialties in the four half
years before the reference date (2007-2008 for the default date), with pass rates, employment
within six months and costs drawn from a hidden quality per base. Small classes are common, so
raw rates are noisy — which is what the base assessment's shrinkage is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from matcher.errors import DataValidationError, Problem
from matcher.io.load import parse_table
from matcher.schemas.tables import TRAINING_HISTORY

HISTORY_COLUMNS: tuple[str, ...] = tuple(c.name for c in TRAINING_HISTORY.columns)

_STREAM = 20_090_621  # separates this generator's random stream from the others of a seed
PERIODS_BACK = 4  # half years of history before the reference date


@dataclass(frozen=True)
class TrainingHistory:
    """A generated history and the hidden truth behind it (for evaluating the assessment)."""

    history: pd.DataFrame  # columns HISTORY_COLUMNS
    truth: pd.DataFrame  # base_id, specialty, p_pass, p_employed (per passed trainee)


def _half_years(reference_date: date, count: int) -> list[tuple[str, date]]:
    """The ``count`` half years ending before the one of ``reference_date``, oldest first, each
    with its last day."""
    year, half = reference_date.year, 1 if reference_date.month <= 6 else 2
    periods = []
    for _ in range(count):
        year, half = (year, 1) if half == 2 else (year - 1, 2)
        periods.append((f"{year}H{half}", date(year, 6, 30) if half == 1 else date(year, 12, 31)))
    return periods[::-1]


def make_training_history(
    sessions: pd.DataFrame, *, seed: int, reference_date: date = date(2009, 3, 2)
) -> TrainingHistory:
    """Past classes of every (base, specialty) in ``sessions``, with outcomes.

    Parameters
    ----------
    sessions : DataFrame
        The ``training_sessions`` table (``base_id``, ``specialty``, ``city``, ``hours``,
        ``subsidy_per_hour``, ``capacity``).
    seed : int
        The dataset's seed; the same seed and sessions give the same history.
    reference_date : date
        History covers the four half years before the one containing this day.

    Returns
    -------
    TrainingHistory
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM]))
    pairs = (
        sessions.assign(
            hours=sessions["hours"].astype("int64"),
            rate=sessions["subsidy_per_hour"].astype(float),
        )
        .groupby(["base_id", "specialty"], sort=True)
        .agg(city=("city", "first"), hours=("hours", "max"), rate=("rate", "max"))
        .reset_index()
    )
    n_pairs = len(pairs)
    bases = np.unique(pairs["base_id"].astype(str).to_numpy())
    base_effect = dict(zip(bases.tolist(), rng.normal(0.0, 0.6, len(bases)).tolist(), strict=True))
    effect = np.asarray([base_effect[b] for b in pairs["base_id"].astype(str)])
    effect = effect + rng.normal(0.0, 0.25, n_pairs)  # specialty-specific skill of the base
    p_pass = 1 / (1 + np.exp(-(1.8 + 0.8 * effect)))
    p_employed = 1 / (1 + np.exp(-(0.2 + effect)))
    hours = pairs["hours"].to_numpy(dtype=np.int64)
    rate = pairs["rate"].to_numpy(dtype=float)
    base_ids = pairs["base_id"].astype(str).tolist()
    specialties = pairs["specialty"].astype(str).tolist()
    cities = pairs["city"].astype(str).tolist()
    records: list[dict[str, object]] = []
    periods = _half_years(reference_date, PERIODS_BACK)
    for row in range(n_pairs):
        for period, last_day in periods:
            for _ in range(int(rng.poisson(1.2))):
                # Many small classes: a quarter have fewer than 10 trainees.
                trainees = int(rng.integers(3, 10) if rng.random() < 0.25 else rng.integers(10, 61))
                passed = int(rng.binomial(trainees, p_pass[row]))
                employed = int(rng.binomial(passed, p_employed[row]))
                end_offset = int(rng.integers(0, 170))
                overhead = 1.0 + 0.3 * rng.random()
                cost = round(trainees * int(hours[row]) * float(rate[row]) * overhead)
                records.append(
                    {
                        "base_id": base_ids[row],
                        "specialty": specialties[row],
                        "city": cities[row],
                        "period": period,
                        "end_date": pd.Timestamp(last_day) - pd.Timedelta(days=end_offset),
                        "trainees": trainees,
                        "passed": passed,
                        "employed_6m": employed,
                        "cost_yuan": int(cost),
                    }
                )
    history = pd.DataFrame(records, columns=[c for c in HISTORY_COLUMNS if c != "record_id"])
    history.insert(0, "record_id", [f"R{i + 1:07d}" for i in range(len(history))])
    history = history.astype(
        {"trainees": "int64", "passed": "int64", "employed_6m": "int64", "cost_yuan": "int64"}
    )
    truth = pd.DataFrame(
        {
            "base_id": pairs["base_id"].astype(str).to_numpy(),
            "specialty": pairs["specialty"].astype(str).to_numpy(),
            "p_pass": p_pass,
            "p_employed": p_employed,
        }
    )
    return TrainingHistory(history, truth)


def parse_training_history(raw: pd.DataFrame, label: str, reference_date: date) -> pd.DataFrame:
    """Validate an uploaded or stored history with the loader's rules plus its own: passed and
    employed are at most the trainees.

    Raises
    ------
    DataValidationError
        Every bad row at once.
    """
    frame, problems = parse_table(raw, TRAINING_HISTORY, label, reference_date)
    problems = list(problems)
    if not problems:
        for column in ("passed", "employed_6m"):
            over = np.flatnonzero(
                frame[column].to_numpy(dtype=np.int64) > frame["trainees"].to_numpy(dtype=np.int64)
            )
            problems.extend(
                Problem(
                    label,
                    int(frame.index[int(i)]) + 2,  # the index counts the file's rows (title rows)
                    column,
                    str(frame[column].iat[int(i)]),
                    "more than trainees",
                )
                for i in over
            )
    if problems:
        raise DataValidationError(problems)
    return frame.reset_index(drop=True)
