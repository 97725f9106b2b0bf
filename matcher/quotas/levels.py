"""Two levels: split each parent's quota (a city's) among its children (districts and counties).

Pure functions over a children frame with columns ``region``, ``parent``, ``weight`` and optional
``min``, ``max`` and ``urban`` (1 for an urban district, whose posts sit in communities; 0 for a
county, whose posts sit in rural townships). They do not read the district file, so any frame of
that shape works (``matcher.reference.districts()`` supplies ``code``, ``city``, ``urban``).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import pandas as pd

from matcher.errors import DataValidationError, InfeasibleError, Problem, Shortfall
from matcher.quotas.methods import ApportionmentParameterError, TieRule, apportion
from matcher.quotas.weights import PARENT, REGION, WeightsTable, decimal_text, weights_from_frame

URBAN = "urban"


def _children_by_parent(
    parent_quotas: Mapping[str, int], children: pd.DataFrame, source: str
) -> tuple[WeightsTable, list[str]]:
    if PARENT not in children.columns:
        raise DataValidationError(
            [Problem(source, None, PARENT, None, "required column is missing")]
        )
    table = weights_from_frame(children, source=source)
    parents = [str(p).strip() for p in children[PARENT]]
    problems = [
        Problem(source, row + 2, PARENT, parent, "parent has no quota")
        for row, parent in enumerate(parents)
        if parent not in parent_quotas
    ]
    if problems:
        raise DataValidationError(problems)
    return table, parents


def _split(
    quota: int,
    names: list[str],
    weights: list[Fraction],
    minimum: list[int],
    maximum: list[int | None],
    method: str,
    subject: str,
    ties: TieRule,
    seed: int | None,
) -> list[int]:
    if not names or sum(weights) == 0:
        if quota == sum(minimum):  # nothing to share by: everyone keeps exactly the minimum
            return list(minimum)
        raise InfeasibleError(
            f"{subject} has a quota of {quota} but no need to share it by",
            [Shortfall("need", subject, required=quota, achievable=sum(minimum))],
        )
    try:
        result = apportion(
            names, weights, quota, method, minimum=minimum, maximum=maximum, ties=ties, seed=seed
        )
    except InfeasibleError as error:
        raise InfeasibleError(f"{subject}: {error}", error.shortfalls) from error
    except ApportionmentParameterError as error:  # pragma: no cover - validated above
        raise InfeasibleError(f"{subject}: {error}") from error
    return list(result.seats)


def apportion_within(
    parent_quotas: Mapping[str, int],
    children: pd.DataFrame,
    method: str = "webster",
    *,
    ties: TieRule = "error",
    seed: int | None = None,
    source: str = "children",
) -> pd.DataFrame:
    """Apportion each parent's quota among its children by their weights and bounds.

    Parameters
    ----------
    parent_quotas : mapping of parent -> seats
        E.g. the city quotas from the first level.
    children : DataFrame
        ``region``, ``parent``, ``weight``, optional ``min``, ``max``.
    method, ties, seed
        As for :func:`~matcher.quotas.methods.apportion`, applied within each parent.
    source : str
        Name used in error messages.

    Returns
    -------
    DataFrame
        ``region``, ``parent``, ``weight`` (exact decimal text), ``quota``; children in input
        order. The quotas of each parent's children sum to that parent's quota.

    Raises
    ------
    DataValidationError
        Bad children rows, or a child whose parent has no quota.
    InfeasibleError
        A parent with seats but no children with weight, or whose children's bounds cannot hold
        its quota.
    """
    table, parents = _children_by_parent(parent_quotas, children, source)
    seats = [0] * len(table)
    for parent, quota in parent_quotas.items():
        members = [i for i, p in enumerate(parents) if p == parent]
        shares = _split(
            int(quota),
            [table.regions[i] for i in members],
            [table.weights[i] for i in members],
            [table.minimum[i] for i in members],
            [table.maximum[i] for i in members],
            method,
            f"parent {parent}",
            ties,
            seed,
        )
        for i, share in zip(members, shares, strict=True):
            seats[i] = share
    return pd.DataFrame(
        {
            REGION: list(table.regions),
            PARENT: parents,
            "weight": [decimal_text(w) for w in table.weights],
            "quota": seats,
        }
    )


def split_urban_rural(
    parent_quotas: Mapping[str, int],
    children: pd.DataFrame,
    method: str = "webster",
    *,
    ties: TieRule = "error",
    seed: int | None = None,
    source: str = "children",
) -> pd.DataFrame:
    """Split each parent's quota between urban communities and rural townships, then among its
    urban districts and its counties.

    Each parent's quota is first apportioned between two parts, ``urban`` and ``rural``, by the
    summed weights of its urban (``urban == 1``) and rural (``urban == 0``) children, with the
    summed child bounds as the parts' bounds; then each part among its children.

    Returns
    -------
    DataFrame
        ``region``, ``parent``, ``kind`` (``"urban"``/``"rural"``), ``weight``, ``quota``.
    """
    if URBAN not in children.columns:
        raise DataValidationError(
            [Problem(source, None, URBAN, None, "required column is missing")]
        )
    flags = [str(v).strip() for v in children[URBAN]]
    problems = [
        Problem(source, row + 2, URBAN, flag, "urban must be 1 (district) or 0 (county)")
        for row, flag in enumerate(flags)
        if flag not in ("0", "1")
    ]
    if problems:
        raise DataValidationError(problems)
    table, parents = _children_by_parent(parent_quotas, children, source)
    kinds = ["urban" if flag == "1" else "rural" for flag in flags]
    part_quotas: dict[str, int] = {}
    for parent, quota in parent_quotas.items():
        names, weights, lows, highs = [], [], [], []
        for kind in ("urban", "rural"):
            members = [i for i in range(len(table)) if parents[i] == parent and kinds[i] == kind]
            if not members:
                continue
            names.append(kind)
            weights.append(sum((table.weights[i] for i in members), Fraction(0)))
            lows.append(sum(table.minimum[i] for i in members))
            caps = [table.maximum[i] for i in members]
            highs.append(
                None if any(c is None for c in caps) else sum(c for c in caps if c is not None)
            )
        split = _split(
            int(quota), names, weights, lows, highs, method, f"parent {parent}", ties, seed
        )
        for kind, seats in zip(names, split, strict=True):
            part_quotas[f"{parent}/{kind}"] = seats
    part_children = children.copy()
    part_children[PARENT] = [f"{p}/{k}" for p, k in zip(parents, kinds, strict=True)]
    within = apportion_within(
        part_quotas,
        part_children,
        method,
        ties=ties,
        seed=seed,
        source=source,
    )
    return pd.DataFrame(
        {
            REGION: within[REGION],
            PARENT: parents,
            "kind": kinds,
            "weight": within["weight"],
            "quota": within["quota"],
        }
    )
