"""Inequality indices of outcomes across cities (or any partition): Gini, Atkinson, Theil; and
the disproportionality of seat shares against need shares: Loosemore–Hanby, Gallagher.

Everything is population-weighted: a city's placement rate counts as many times as it has
eligible people. The Theil index is computed on the individual outcomes (placed 0/1, or match
value with 0 for the unplaced) so that it splits exactly into a between-city part (as if everyone
in a city had the city's mean) and a within-city part (the weighted mean of the cities' own Theil
indices, weights = the cities' shares of the total outcome).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
#: Atkinson inequality-aversion parameters reported.
ATKINSON_EPSILONS: tuple[float, ...] = (0.5, 1.0, 2.0)


def _weighted(
    values: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if x.shape != w.shape:
        raise ValueError("values and weights must have the same length")
    if np.any(w < 0) or np.any(x < 0):
        raise ValueError("inequality indices need non-negative values and weights")
    keep = w > 0
    return x[keep], w[keep]


def lorenz_curve(
    values: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """Points of the Lorenz curve: cumulative population share and cumulative outcome share,
    starting at (0, 0), units sorted by value ascending. Each unit is taken as internally equal."""
    x, w = _weighted(values, weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    population = np.concatenate([[0.0], np.cumsum(w)])
    outcome = np.concatenate([[0.0], np.cumsum(w * x)])
    total_population = population[-1] if population[-1] > 0 else 1.0
    total_outcome = outcome[-1]
    if total_outcome <= 0:
        # Nothing to share: everyone is equal (at zero); the curve is the diagonal.
        return population / total_population, population / total_population
    return population / total_population, outcome / total_outcome


def gini(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    """Population-weighted Gini coefficient (0 = equal, towards 1 = concentrated).

    Computed from the Lorenz curve as ``1 - sum((p_k - p_{k-1}) (L_k + L_{k-1}))``, exact for
    units that are internally equal.
    """
    population, outcome = lorenz_curve(values, weights)
    if len(population) <= 1:
        return 0.0
    return float(1.0 - np.sum(np.diff(population) * (outcome[1:] + outcome[:-1])))


def atkinson(
    values: npt.ArrayLike, weights: npt.ArrayLike | None = None, *, epsilon: float = 1.0
) -> float:
    """Population-weighted Atkinson index with inequality aversion ``epsilon`` (> 0).

    ``1 - (equally distributed equivalent) / mean``. For ``epsilon >= 1`` a unit with outcome 0
    makes the equivalent 0, so the index is 1; when every value is 0 the index is 0 (all equal).
    """
    if epsilon <= 0:
        raise ValueError(f"The 'epsilon' parameter of atkinson must be > 0. Got {epsilon!r}.")
    x, w = _weighted(values, weights)
    if len(x) == 0:
        return 0.0
    share = w / w.sum()
    mean = float(np.sum(share * x))
    if mean <= 0 or np.all(x == x[0]):
        return 0.0
    if epsilon >= 1 and np.any(x == 0):
        return 1.0
    if epsilon == 1:
        equivalent = float(np.exp(np.sum(share * np.log(x))))
    else:
        power = 1.0 - epsilon
        equivalent = float(np.sum(share * (x / mean) ** power) ** (1.0 / power)) * mean
    return float(max(0.0, 1.0 - equivalent / mean))


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T index and its exact split: ``total == between + within``."""

    total: float
    between: float
    within: float


def _x_log_x(ratio: FloatArray) -> FloatArray:
    """``r ln r`` with ``0 ln 0 = 0``."""
    safe = np.where(ratio > 0, ratio, 1.0)
    return np.where(ratio > 0, ratio * np.log(safe), 0.0)


def theil_decomposition(outcomes: npt.ArrayLike, groups: npt.ArrayLike) -> TheilDecomposition:
    """Theil T of individual outcomes, split into between-group and within-group parts.

    Parameters
    ----------
    outcomes : array of float >= 0
        One outcome per person (placed 0/1, or match value with 0 when unplaced).
    groups : array
        The group (city) of each person.

    Returns
    -------
    TheilDecomposition
        All zero when the total outcome is zero.
    """
    y = np.asarray(outcomes, dtype=np.float64)
    if np.any(y < 0):
        raise ValueError("Theil index needs non-negative outcomes")
    codes, _ = _factorize(np.asarray(groups))
    n = len(y)
    mean = float(y.mean()) if n else 0.0
    if n == 0 or mean <= 0:
        return TheilDecomposition(0.0, 0.0, 0.0)
    size = np.bincount(codes).astype(np.float64)
    group_sum = np.bincount(codes, weights=y)
    group_mean = group_sum / size
    total = float(_x_log_x(y / mean).mean())
    share = group_sum / group_sum.sum()  # each group's share of the total outcome
    between = float(np.sum(share * np.log(np.where(group_mean > 0, group_mean / mean, 1.0))))
    safe_mean = np.where(group_mean > 0, group_mean, 1.0)
    per_group = np.bincount(codes, weights=_x_log_x(y / safe_mean[codes])) / size
    within = float(np.sum(share * per_group))
    return TheilDecomposition(total=total, between=between, within=within)


def _factorize(
    values: npt.NDArray[np.generic],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.generic]]:
    uniques, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.int64), uniques


def loosemore_hanby(seats: Sequence[int], need: Sequence[float]) -> float:
    """Loosemore–Hanby index of disproportionality, ``½ Σ |seat share − need share|`` (shares,
    0 = proportional, towards 1 = every seat where there is no need)."""
    s, v = _shares(seats), _shares(need)
    return float(0.5 * np.abs(s - v).sum())


def gallagher(seats: Sequence[int], need: Sequence[float]) -> float:
    """Gallagher least-squares index, ``sqrt(½ Σ (seat share − need share)²)`` in percentage
    points."""
    s, v = _shares(seats), _shares(need)
    return float(math.sqrt(0.5 * float(np.sum((100 * (s - v)) ** 2))))


def _shares(values: Sequence[float] | npt.NDArray[np.generic]) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    total = array.sum()
    return array / total if total > 0 else np.zeros_like(array)
