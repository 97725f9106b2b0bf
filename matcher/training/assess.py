"""Six-monthly assessment of training bases (有进有出): who trains people into jobs, per
specialty, judged with shrinkage so a small class is not praised or dropped on luck.

Each base's employment rate (trainees employed within six months / trainees) is estimated with a
beta-binomial model: the prior is the specialty's pooled rate with the weight of
``prior_trainees`` trainees, so a base with 8 trainees stays near the pool and a base with 300
speaks for itself. Bases are ranked per (city, specialty) by the posterior mean; a base is
dropped only when its whole credible interval lies below ``drop_below_share_percent`` of the
pool, and watched when its estimate does but the interval does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta

from matcher.training.rules import BudgetRules

ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "city", "specialty", "base_id", "classes", "trainees", "passed", "employed_6m", "cost_yuan",
    "pass_rate", "employment_rate", "employment_shrunk", "employment_low", "employment_high",
    "specialty_rate", "cost_per_employed", "rank", "decision", "reasons",
)  # fmt: skip
ADDITION_COLUMNS: tuple[str, ...] = (
    "city", "specialty", "skill_gap", "planned_places", "kept_bases", "reasons",
)  # fmt: skip


@dataclass(frozen=True)
class Assessment:
    """Bases ranked with decisions, and (city, specialty) pairs that need a new base."""

    bases: pd.DataFrame  # columns ASSESSMENT_COLUMNS
    additions: pd.DataFrame  # columns ADDITION_COLUMNS


def assess_bases(
    history: pd.DataFrame,
    rules: BudgetRules,
    *,
    sessions: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
) -> Assessment:
    """Rank bases per (city, specialty) and flag bases to drop and specialties to add bases for.

    Parameters
    ----------
    history : DataFrame
        The ``training_history`` table (see :mod:`matcher.training.history`).
    rules : BudgetRules
        ``assessment`` settings: prior strength, credible level, drop and add thresholds.
    sessions : DataFrame, optional
        Current sessions: their capacity is the planned places of each (city, specialty).
    demand : DataFrame, optional
        Labour demand (:func:`matcher.training.demand.labour_demand`); with ``sessions`` it
        names (city, specialty) pairs whose skill gap exceeds the planned places by the add
        factor, or whose bases are all dropped.

    Returns
    -------
    Assessment
    """
    settings = rules.assessment
    grouped = (
        history.groupby(["city", "specialty", "base_id"], sort=True)
        .agg(
            classes=("trainees", "size"),
            trainees=("trainees", "sum"),
            passed=("passed", "sum"),
            employed_6m=("employed_6m", "sum"),
            cost_yuan=("cost_yuan", "sum"),
        )
        .reset_index()
    )
    for column in ("classes", "trainees", "passed", "employed_6m", "cost_yuan"):
        grouped[column] = grouped[column].astype("int64")
    pool = history.groupby("specialty").agg(
        employed=("employed_6m", "sum"), trainees=("trainees", "sum")
    )
    pool_rate = (pool["employed"] / pool["trainees"].clip(lower=1)).astype(float)
    prior_mean = grouped["specialty"].map(pool_rate).to_numpy(dtype=float)
    prior_mean = np.clip(prior_mean, 1e-3, 1 - 1e-3)
    trainees = grouped["trainees"].to_numpy(dtype=float)
    employed = grouped["employed_6m"].to_numpy(dtype=float)
    a = prior_mean * settings.prior_trainees + employed
    b = (1 - prior_mean) * settings.prior_trainees + trainees - employed
    tail = (1 - settings.credible_percent / 100) / 2
    shrunk = a / (a + b)
    low = beta.ppf(tail, a, b)
    high = beta.ppf(1 - tail, a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw_rate = np.where(trainees > 0, employed / trainees, np.nan)
        pass_rate = np.where(trainees > 0, grouped["passed"].to_numpy(float) / trainees, np.nan)
        cost_per_employed = np.where(
            employed > 0, grouped["cost_yuan"].to_numpy(float) / employed, np.nan
        )
    threshold = prior_mean * settings.drop_below_share_percent / 100
    decision = np.where(high < threshold, "drop", np.where(shrunk < threshold, "watch", "keep"))
    reasons = [
        (
            f"{d}: {int(e)}/{int(t)} employed within 6 months (raw {r:.0%}), shrunk "
            f"{s:.0%} [{lo:.0%}, {hi:.0%}] vs specialty {p:.0%}; "
            + (
                "credibly below the bar"
                if d == "drop"
                else "estimate below the bar but not credibly (small classes)"
                if d == "watch"
                else "at or above the bar, or not credibly below it"
            )
        )
        for d, e, t, r, s, lo, hi, p in zip(
            decision, employed, trainees, raw_rate, shrunk, low, high, prior_mean, strict=True
        )
    ]
    bases = grouped.assign(
        pass_rate=pass_rate,
        employment_rate=raw_rate,
        employment_shrunk=shrunk,
        employment_low=low,
        employment_high=high,
        specialty_rate=prior_mean,
        cost_per_employed=np.round(cost_per_employed, 0),
        decision=decision,
        reasons=reasons,
    )
    bases["rank"] = (
        bases.groupby(["city", "specialty"])["employment_shrunk"]
        .rank(ascending=False, method="first")
        .astype("int64")
    )
    bases = bases.sort_values(["city", "specialty", "rank"], ignore_index=True)[
        list(ASSESSMENT_COLUMNS)
    ]
    return Assessment(bases, _additions(bases, rules, sessions, demand))


def _additions(
    bases: pd.DataFrame,
    rules: BudgetRules,
    sessions: pd.DataFrame | None,
    demand: pd.DataFrame | None,
) -> pd.DataFrame:
    if sessions is None or demand is None or len(demand) == 0:
        return pd.DataFrame({c: [] for c in ADDITION_COLUMNS})
    planned = (
        sessions.groupby(["city", "specialty"])["capacity"].sum().rename("planned_places")
    ).astype("int64")
    kept = (
        bases[bases["decision"] != "drop"]
        .groupby(["city", "specialty"])["base_id"]
        .nunique()
        .rename("kept_bases")
    )
    table = (
        demand[["city", "specialty", "skill_gap"]]
        .join(planned, on=["city", "specialty"])
        .join(kept, on=["city", "specialty"])
    )
    table["planned_places"] = table["planned_places"].fillna(0).astype("int64")
    table["kept_bases"] = table["kept_bases"].fillna(0).astype("int64")
    factor = rules.assessment.add_when_demand_over_places
    gap = table["skill_gap"].to_numpy(dtype=float)
    short = (gap > 0) & (gap > factor * table["planned_places"].to_numpy(dtype=float))
    uncovered = (gap > 0) & (table["kept_bases"].to_numpy() == 0)
    table = table[short | uncovered].copy()
    table["reasons"] = [
        f"skill gap of {g} vacancy places"
        + (f" exceeds {factor:g} × the {p} planned places" if g > factor * p else "")
        + ("; no base kept for this specialty" if k == 0 else "")
        for g, p, k in zip(
            table["skill_gap"], table["planned_places"], table["kept_bases"], strict=True
        )
    ]
    return table.sort_values(["city", "skill_gap"], ascending=[True, False], ignore_index=True)[
        list(ADDITION_COLUMNS)
    ]
