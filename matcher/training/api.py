"""``allocate_training``: the one function the CLI, the service and the benchmarks call.

Order of work: score the city's seekers against its session classes (:mod:`scoring`), solve
the budget-constrained allocation exactly (:mod:`solver`), split classes back into sessions,
schedule the payments (:mod:`payments`), verify everything with the independent
:mod:`checker`, then explain who was placed and who was not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.eligibility import evaluate_eligibility
from matcher.errors import MatcherError
from matcher.io.load import load_dataset, read_raw
from matcher.policy.rules import load_policy
from matcher.training.checker import TrainingCheckError, check_training_allocation
from matcher.training.payments import payment_schedule
from matcher.training.rules import BudgetRules, load_budget_rules
from matcher.training.scoring import GAIN_SCALE, TrainingCandidates, score_training
from matcher.training.solver import DEFAULT_TIME_LIMIT, Engine, TrainingFloor, solve_training

PLACEMENT_COLUMNS: tuple[str, ...] = (
    "seeker_id", "session_id", "base_id", "specialty", "kind", "start_date", "subsidy_yuan",
    "travel_allowance_yuan", "lunch_allowance_yuan", "expected_gain", "reasons",
)  # fmt: skip
UNPLACED_COLUMNS: tuple[str, ...] = ("seeker_id", "eligible", "kinds", "candidates", "reasons")
#: Default number of best session classes kept per seeker (None: every eligible class).
DEFAULT_TOP_K = 8


@dataclass(frozen=True)
class TrainingAllocation:
    """The result of :func:`allocate_training`.

    Attributes
    ----------
    placements, unplaced, payments : DataFrame
        Columns :data:`PLACEMENT_COLUMNS`, :data:`UNPLACED_COLUMNS` and
        :data:`matcher.training.payments.PAYMENT_COLUMNS`.
    summary : dict
        ``city``, ``budget_yuan``, ``committed_yuan`` (subsidies + allowances),
        ``remaining_yuan`` (budget - committed, so the two reconcile to the yuan),
        ``subsidy_yuan``, ``allowance_yuan``, ``placed``, ``eligible_seekers``, ``arcs``,
        ``classes``, ``expected_gain`` (persons), ``objective_units``, ``status``,
        ``solve_seconds``, ``total_seconds``.
    demand : DataFrame
        Labour demand per specialty of the city.
    """

    placements: pd.DataFrame
    unplaced: pd.DataFrame
    payments: pd.DataFrame
    summary: dict[str, Any]
    demand: pd.DataFrame = field(repr=False)


def _assign_sessions(candidates: TrainingCandidates, chosen: pd.DataFrame) -> np.ndarray:
    """Session id of each chosen arc: within a class, sessions fill in start-date order (they
    are interchangeable for the objective), the highest-gain seekers first."""
    sessions = candidates.sessions.sort_values(["klass", "start_date", "session_id"])
    session_ids = np.empty(len(chosen), dtype=object)
    slots_by_class = {
        int(str(klass)): np.repeat(
            group["session_id"].astype(str).to_numpy(), group["capacity"].to_numpy(np.int64)
        )
        for klass, group in sessions.groupby("klass", sort=True)
    }
    ordered = chosen.assign(_row=np.arange(len(chosen))).sort_values(
        ["klass", "gain_units", "seeker"], ascending=[True, False, True]
    )
    for klass, group in ordered.groupby("klass", sort=True):
        slots = slots_by_class[int(str(klass))]
        session_ids[group["_row"].to_numpy()] = slots[: len(group)]
    return session_ids


def _placement_reasons(chosen: pd.DataFrame, classes: pd.DataFrame) -> list[str]:
    specialty = classes["specialty"].to_numpy(dtype=object)[chosen["klass"].to_numpy()]
    return [
        f"专业 {spec}: interest {interest:.2f}, labour demand {demand:.2f}, "
        f"{distance:.0f} km, expected employment gain {gain / GAIN_SCALE:.3f} "
        f"for {cost} yuan"
        for spec, interest, demand, distance, gain, cost in zip(
            specialty,
            chosen["interest"].to_numpy(),
            chosen["labour_demand"].to_numpy(),
            chosen["distance_km"].to_numpy(),
            chosen["gain_units"].to_numpy(),
            chosen["cost_yuan"].to_numpy(),
            strict=True,
        )
    ]


def _unplaced(
    candidates: TrainingCandidates, chosen_seekers: np.ndarray, full_classes: np.ndarray
) -> pd.DataFrame:
    seekers = candidates.seekers
    arcs = candidates.arcs
    placed = np.zeros(len(seekers), dtype=bool)
    placed[chosen_seekers] = True
    n_arcs = np.bincount(arcs["seeker"].to_numpy(), minlength=len(seekers))
    # A seeker whose candidate sessions are all full lost to capacity, otherwise to the budget.
    open_arc = ~full_classes[arcs["klass"].to_numpy()]
    has_open = np.bincount(arcs["seeker"].to_numpy(), weights=open_arc, minlength=len(seekers)) > 0
    reasons = np.where(
        seekers["excluded"].to_numpy(dtype=str) != "",
        seekers["excluded"].to_numpy(dtype=str),
        np.where(
            has_open,
            "budget: the subsidy went to placements with more expected employment gain per yuan",
            "capacity: every candidate session is full",
        ),
    )
    keep = ~placed
    return pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"].to_numpy()[keep],
            "eligible": seekers["eligible"].to_numpy()[keep],
            "kinds": seekers["kinds"].to_numpy()[keep],
            "candidates": n_arcs[keep].astype(np.int64),
            "reasons": reasons[keep],
        }
    )


def allocate_training(
    seekers: pd.DataFrame,
    households: pd.DataFrame,
    sessions: pd.DataFrame,
    posts: pd.DataFrame,
    *,
    city: str,
    budget_yuan: int,
    reference_date: date,
    floors: list[TrainingFloor] | None = None,
    top_k: int | None = DEFAULT_TOP_K,
    time_limit: float = DEFAULT_TIME_LIMIT,
    rules: BudgetRules | None = None,
    eligibility: pd.DataFrame | None = None,
    interest: pd.DataFrame | None = None,
    engine: Engine = "highs",
    check: bool = True,
) -> TrainingAllocation:
    """Place a city's seekers in training sessions within its subsidy budget, exactly optimally.

    Parameters
    ----------
    seekers, households, sessions, posts : DataFrame
        Validated tables (``matcher.io.load``).
    city : str
        City code (2101-2114).
    budget_yuan : int
        Subsidy budget in whole yuan; subsidies and allowances are paid from it.
    reference_date : date
    floors : list of TrainingFloor, optional
        Minimum trainees from target groups (optionally in one kind of training).
    top_k : int or None
        Best session classes kept per seeker; None keeps every eligible class (the optimum is
        then the optimum of the full problem).
    time_limit : float
        Seconds for CP-SAT.
    rules : BudgetRules, optional
        Money rules; ``data/policies/training_budget.toml`` by default.
    eligibility : DataFrame, optional
        Precomputed training eligibility; evaluated from ``training.toml`` when None.
    interest : DataFrame, optional
        Precomputed :func:`matcher.training.scoring.seeker_interest` (for runs over many cities).
    engine : {"highs", "cp-sat"}
        Exact solver of the reduced problem (see :func:`matcher.training.solver.solve_training`).
    check : bool
        Run the independent checker (raises :class:`TrainingCheckError` on a violation).

    Raises
    ------
    InfeasibleError
        Floors that cannot be met, with a shortfall each.
    MatcherError
        Unknown city, negative budget, or no proof of optimality in time.
    """
    started = time.perf_counter()
    rules = rules or load_budget_rules()
    floors = floors or []
    if budget_yuan < 0:
        raise MatcherError(f"The budget must be at least 0 yuan. Got {budget_yuan} instead.")
    if eligibility is None:
        eligibility = evaluate_eligibility(
            seekers, households, load_policy("training"), reference_date
        )
    keep_kinds: dict[str, set[str]] = {}
    for floor in floors:
        if floor.kind is not None:
            keep_kinds.setdefault(floor.group, set()).add(floor.kind)
    candidates = score_training(
        seekers,
        eligibility,
        sessions,
        posts,
        city,
        reference_date,
        rules,
        top_k=top_k,
        keep_kinds_for_groups=keep_kinds,
        interest=interest,
    )
    result = solve_training(
        candidates.arcs,
        candidates.seekers,
        candidates.classes,
        budget_yuan,
        floors,
        time_limit=time_limit,
        engine=engine,
    )
    chosen = candidates.arcs.iloc[result.chosen].reset_index(drop=True)
    session_ids = _assign_sessions(candidates, chosen)
    info = candidates.sessions.set_index(candidates.sessions["session_id"].astype(str))
    klass = chosen["klass"].to_numpy()
    hours = candidates.classes["hours"].to_numpy(dtype=np.int64)[klass]
    days = -(-hours // rules.payment.hours_per_day)
    gets_allowance = chosen["allowance_yuan"].to_numpy() > 0
    travel = np.where(gets_allowance, days * rules.allowance.travel_yuan_per_day, 0)
    lunch = np.where(gets_allowance, days * rules.allowance.lunch_yuan_per_day, 0)
    placements = pd.DataFrame(
        {
            "seeker_id": candidates.seekers["seeker_id"].to_numpy()[chosen["seeker"].to_numpy()],
            "session_id": session_ids.astype(str),
            "base_id": info.loc[session_ids.astype(str), "base_id"].astype(str).to_numpy(),
            "specialty": candidates.classes["specialty"].to_numpy()[klass],
            "kind": candidates.classes["kind"].to_numpy()[klass],
            "start_date": pd.to_datetime(info.loc[session_ids.astype(str), "start_date"])
            .dt.strftime("%Y-%m-%d")
            .to_numpy(),
            "subsidy_yuan": chosen["subsidy_yuan"].to_numpy(dtype=np.int64),
            "travel_allowance_yuan": travel.astype(np.int64),
            "lunch_allowance_yuan": lunch.astype(np.int64),
            "expected_gain": chosen["gain_units"].to_numpy() / GAIN_SCALE,
            "reasons": _placement_reasons(chosen, candidates.classes),
        }
    ).sort_values(["session_id", "seeker_id"], ignore_index=True)
    payments = payment_schedule(placements, candidates.sessions, rules, reference_date)

    taken = np.bincount(klass, minlength=len(candidates.classes))
    full = taken >= candidates.classes["capacity"].to_numpy()
    unplaced = _unplaced(candidates, chosen["seeker"].to_numpy(), full)

    if check:
        violations = check_training_allocation(
            placements,
            payments,
            sessions,
            seekers,
            eligibility,
            city,
            budget_yuan,
            rules,
            [(f.group, f.kind, f.minimum) for f in floors],
        )
        if violations:
            raise TrainingCheckError(violations)
    subsidy = int(placements["subsidy_yuan"].sum())
    allowance = int(
        (placements["travel_allowance_yuan"] + placements["lunch_allowance_yuan"]).sum()
    )
    summary: dict[str, Any] = {
        "city": city,
        "budget_yuan": int(budget_yuan),
        "committed_yuan": subsidy + allowance,
        "remaining_yuan": int(budget_yuan) - subsidy - allowance,
        "subsidy_yuan": subsidy,
        "allowance_yuan": allowance,
        "placed": len(placements),
        "eligible_seekers": int(candidates.seekers["eligible"].sum()),
        "seekers_with_candidates": int(candidates.arcs["seeker"].nunique()),
        "sessions": len(candidates.sessions),
        "classes": len(candidates.classes),
        "arcs": len(candidates.arcs),
        "expected_gain": result.objective / GAIN_SCALE,
        "objective_units": result.objective,
        "status": result.status,
        "bound_units": result.bound,
        "gap_units": result.gap,
        "core_arcs": result.core_arcs,
        "engine": result.engine,
        "solve_seconds": round(result.seconds, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
    }
    return TrainingAllocation(placements, unplaced, payments, summary, candidates.demand)


def read_applicants(path: str | Path) -> set[str]:
    """The ``seeker_id`` values of an applicants file (CSV or any table ``read_raw`` reads).

    Raises
    ------
    DataValidationError
        The file is missing or unreadable.
    MatcherError
        The file has no ``seeker_id`` column.
    """
    frame = read_raw(Path(path))
    if "seeker_id" not in frame.columns:
        raise MatcherError(f"{path}: needs a seeker_id column (got {', '.join(frame.columns)})")
    return set(frame["seeker_id"].astype(str))


def allocate_training_for_dir(
    directory: str | Path,
    *,
    city: str,
    budget_yuan: int,
    reference_date: date | None = None,
    applicants: str | Path | None = None,
    floors: list[TrainingFloor] | None = None,
    top_k: int | None = DEFAULT_TOP_K,
    time_limit: float = DEFAULT_TIME_LIMIT,
    engine: Engine = "highs",
    check: bool = True,
) -> TrainingAllocation:
    """Load a dataset directory and run :func:`allocate_training` on it (``matcher training
    allocate``).

    Parameters
    ----------
    directory : str or Path
        Dataset directory with seekers, households, posts and ``training_sessions``.
    city, budget_yuan, floors, top_k, time_limit, engine, check
        As for :func:`allocate_training`.
    reference_date : date, optional
        Overrides the dataset's own (its manifest's) reference date.
    applicants : str or Path, optional
        A table with a ``seeker_id`` column: only these seekers apply (see
        :func:`read_applicants`). Read after the dataset, so a broken dataset is reported first.

    Raises
    ------
    MatcherError
        The directory has no training sessions, or as for :func:`allocate_training`.
    """
    dataset = load_dataset(directory, reference_date=reference_date)
    if "training_sessions" not in dataset:
        raise MatcherError(f"{directory} has no training_sessions.csv; nothing to allocate")
    seekers = dataset["seekers"]
    if applicants is not None:
        wanted = read_applicants(applicants)
        seekers = seekers[seekers["seeker_id"].astype(str).isin(wanted)].reset_index(drop=True)
    return allocate_training(
        seekers,
        dataset["households"],
        dataset["training_sessions"],
        dataset["posts"],
        city=city,
        budget_yuan=budget_yuan,
        reference_date=dataset.reference_date,
        floors=floors,
        top_k=top_k,
        time_limit=time_limit,
        engine=engine,
        check=check,
    )
