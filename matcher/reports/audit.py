"""Apportionment audit of the city quotas: every method side by side, its disproportionality,
and how robust its seats are to small changes of the total and of the need.

The seats come from :func:`matcher.quotas.methods.apportion` (exact arithmetic; ties drawn by a
seeded lot so the audit always completes, and flagged). It lives with the reports, not with the
measures in :mod:`matcher.fairness`, because it re-runs the apportionment itself (the measures
depend on the allocation only). Indices (the two disproportionality indices are measures, in
:mod:`matcher.fairness.inequality`):

* Loosemore–Hanby: ``½ Σ |seat share − need share|`` (0 = proportional);
* Gallagher (least squares): ``sqrt(½ Σ (seat share − need share)²)`` in percentage points;
* quota-rule violations: cities whose seats lie outside ``[floor(q), ceil(q)]`` of their exact
  (standard) quota ``q = need × total / Σ need``;
* Alabama sweep: for a total raised by ``d`` seats, the seats any city *loses* (a paradox; 0 for
  divisor methods), and for a total lowered by ``d``, the seats any city *gains*;
* need sensitivity: each city's need changed alone by ±1 % and ±5 %; the seats that move
  (``½ Σ |Δ seats|``), worst city and sum over cities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from matcher.fairness.inequality import gallagher, loosemore_hanby
from matcher.quotas.methods import METHODS, Method, apportion

#: Changes of the total checked by the Alabama sweep.
DEFAULT_SWEEP: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500)
#: Relative changes of one city's need checked by the sensitivity audit.
DEFAULT_NEED_CHANGES: tuple[float, ...] = (-0.05, -0.01, 0.01, 0.05)


@dataclass(frozen=True)
class ApportionmentAudit:
    """The audit's tables.

    Attributes
    ----------
    cities : DataFrame
        Per city: ``city``, ``need``, ``need_share``, ``exact_quota``, then per method
        ``seats_<m>``, ``gain_<m>`` (seats − exact quota), ``bound_<m>`` (``min``/``max`` when a
        bound binds) and ``posts_per_10k_<m>`` (seats per 10,000 eligible).
    methods : DataFrame
        Per method: ``method``, ``quota_violations``, ``loosemore_hanby``, ``gallagher``,
        ``tied`` (a lot was drawn), ``alabama_seats_+d`` / ``reverse_seats_-d`` for each sweep
        step, ``need_moved_max_<±p>%`` and ``need_moved_sum_<±p>%``.
    total : int
        Seats apportioned.
    """

    cities: pd.DataFrame
    methods: pd.DataFrame
    total: int


def _seats(
    regions: Sequence[str],
    weights: Sequence[Fraction],
    total: int,
    method: Method,
    minimum: Sequence[int] | None,
    maximum: Sequence[int | None] | None,
    seed: int,
) -> tuple[np.ndarray, bool]:
    result = apportion(
        regions, weights, total, method, minimum=minimum, maximum=maximum, ties="lot", seed=seed
    )
    return np.asarray(result.seats, dtype=np.int64), result.tie is not None


def apportionment_audit(
    need: Mapping[str, int],
    total: int,
    *,
    methods: Sequence[Method] = METHODS,
    minimum: Mapping[str, int] | None = None,
    maximum: Mapping[str, int] | None = None,
    sweep: Sequence[int] = DEFAULT_SWEEP,
    need_changes: Sequence[float] = DEFAULT_NEED_CHANGES,
    seed: int = 0,
) -> ApportionmentAudit:
    """Audit the apportionment of ``total`` posts over cities in proportion to ``need``.

    Parameters
    ----------
    need : mapping of city to int
        Eligible people (or weighted need) per city; at least one must be positive.
    total : int
        Posts to apportion.
    methods : sequence of method names
        Methods compared (default: all of :data:`matcher.quotas.methods.METHODS`).
    minimum, maximum : mapping of city to int, optional
        Bounds per city.
    sweep : sequence of int
        Changes of the total for the Alabama sweep.
    need_changes : sequence of float
        Relative changes of one city's need (e.g. 0.01 for +1 %).
    seed : int
        Seed of the lot that breaks exact ties.

    Returns
    -------
    ApportionmentAudit
    """
    regions = [str(r) for r in need]
    weights = [Fraction(int(need[r])) for r in need]
    lows = None if minimum is None else [int(minimum.get(r, 0)) for r in regions]
    highs = None if maximum is None else [maximum.get(r) for r in regions]
    need_values = np.asarray([float(w) for w in weights])
    weight_sum = float(need_values.sum())
    exact = need_values * total / weight_sum if weight_sum > 0 else np.zeros(len(regions))
    cities = pd.DataFrame(
        {
            "city": regions,
            "need": need_values.astype(np.int64),
            "need_share": need_values / weight_sum if weight_sum > 0 else np.zeros(len(regions)),
            "exact_quota": exact,
        }
    )
    rows: list[dict[str, object]] = []
    for method in methods:
        seats, tied = _seats(regions, weights, total, method, lows, highs, seed)
        cities[f"seats_{method}"] = seats
        cities[f"gain_{method}"] = seats - exact
        bound = np.full(len(regions), "", dtype=object)
        if lows is not None:
            bound[(seats == np.asarray(lows)) & (np.asarray(lows) > 0)] = "min"
        if highs is not None:
            at_max = np.asarray(
                [h is not None and s == h for s, h in zip(seats, highs, strict=True)]
            )
            bound[at_max] = "max"
        cities[f"bound_{method}"] = bound
        cities[f"posts_per_10k_{method}"] = np.where(
            need_values > 0, seats * 10_000 / np.where(need_values > 0, need_values, 1), np.nan
        )
        violations = int(np.sum((seats < np.floor(exact)) | (seats > np.ceil(exact))))
        row: dict[str, object] = {
            "method": method,
            "quota_violations": violations,
            "loosemore_hanby": loosemore_hanby(seats.tolist(), need_values.tolist()),
            "gallagher": gallagher(seats.tolist(), need_values.tolist()),
            "tied": tied,
        }
        for step in sweep:
            up, _ = _seats(regions, weights, total + step, method, lows, highs, seed)
            row[f"alabama_seats_+{step}"] = int(np.clip(seats - up, 0, None).sum())
            if total - step >= (0 if lows is None else sum(lows)):
                down, _ = _seats(regions, weights, total - step, method, lows, highs, seed)
                row[f"reverse_seats_-{step}"] = int(np.clip(down - seats, 0, None).sum())
            else:
                row[f"reverse_seats_-{step}"] = None
        for change in need_changes:
            moved = []
            for i in range(len(regions)):
                changed = list(weights)
                changed[i] = weights[i] * (1 + Fraction(change).limit_denominator(10_000))
                if sum(changed) <= 0:
                    continue
                other, _ = _seats(regions, changed, total, method, lows, highs, seed)
                moved.append(int(np.abs(other - seats).sum()) // 2)
            label = f"{change * 100:+g}%"
            row[f"need_moved_max_{label}"] = max(moved) if moved else 0
            row[f"need_moved_sum_{label}"] = sum(moved)
        rows.append(row)
    return ApportionmentAudit(cities=cities, methods=pd.DataFrame(rows), total=total)
