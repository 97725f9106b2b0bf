"""Need from data: eligible people per region, optionally weighted by priority tier.

The result is a weights table for :mod:`matcher.quotas.methods`: with tier weights ``{1: 3, 2:
1.5}`` an eligible tier-1 person (e.g. a zero-employment family member) counts 3, a tier-2 person
1.5, and any other eligible person 1. Weights are exact (decimal text in, exact decimal text out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Literal

import pandas as pd

from matcher.errors import DataValidationError, Problem
from matcher.quotas.weights import PARENT, REGION, WEIGHT, decimal_text

NeedLevel = Literal["city", "district"]
_REQUIRED = ("seeker_id", "city", "district", "eligible", "tier")


def parse_tier_weights(text: str) -> dict[int, Fraction]:
    """``"1=3,2=1.5"`` -> ``{1: Fraction(3), 2: Fraction(3, 2)}``.

    Raises
    ------
    ValueError
        With a message naming the bad item: not ``tier=weight``, a tier that is not a whole
        number >= 1, a negative or non-numeric weight, a tier given twice.
    """
    weights: dict[int, Fraction] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        tier_text, sep, weight_text = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r} is not of the form tier=weight (e.g. 1=3)")
        try:
            tier = int(tier_text.strip())
            weight = Fraction(weight_text.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{item!r}: tier must be a whole number, weight a number") from None
        if tier < 1:
            raise ValueError(f"{item!r}: tiers are numbered from 1")
        if weight < 0:
            raise ValueError(f"{item!r}: weight must not be negative")
        if tier in weights:
            raise ValueError(f"tier {tier} is given twice")
        weights[tier] = weight
    return weights


def need_weights(
    eligibility: pd.DataFrame,
    *,
    by: NeedLevel = "city",
    tier_weights: Mapping[int, Fraction | int | str] | None = None,
    regions: Sequence[str] | None = None,
    source: str = "eligibility",
) -> pd.DataFrame:
    """Weights table of need per region from one row per seeker.

    Parameters
    ----------
    eligibility : DataFrame
        Columns ``seeker_id``, ``city``, ``district``, ``eligible`` (bool), ``tier`` (int, 1 is
        highest; missing when not eligible), as returned by the eligibility engine.
    by : {"city", "district"}
        Region level of the table.
    tier_weights : mapping of tier -> weight, optional
        What one eligible person of a tier counts; unlisted tiers count 1. Default: everyone 1.
    regions : sequence of str, optional
        Regions to list even when nobody in the data lives there (weight 0), e.g. all 14 cities;
        they come first, in this order, then any other region in sorted order.
    source : str
        Name used in error messages.

    Returns
    -------
    DataFrame
        ``region``, ``weight`` (exact decimal text), ``eligible`` (count), ``seekers`` (count),
        ``tier_1``, ``tier_2``, ... (eligible counts per tier), and ``parent`` (the city) when
        ``by="district"``.

    Raises
    ------
    DataValidationError
        Missing columns, an eligible seeker without a valid tier, a district in two cities.
    """
    if by not in ("city", "district"):
        raise ValueError(f"The 'by' parameter must be 'city' or 'district'. Got {by!r} instead.")
    missing = [c for c in _REQUIRED if c not in eligibility.columns]
    if missing:
        raise DataValidationError(
            [Problem(source, None, c, None, "required column is missing") for c in missing]
        )
    exact_weights = {int(t): Fraction(w) for t, w in (tier_weights or {}).items()}
    frame = pd.DataFrame(
        {
            "region": eligibility[by].astype("string").str.strip(),
            "city": eligibility["city"].astype("string").str.strip(),
            "eligible": eligibility["eligible"].fillna(False).astype(bool),
            "tier": pd.to_numeric(eligibility["tier"], errors="coerce").astype("Float64"),
        }
    )
    problems: list[Problem] = []
    bad_tier = frame["eligible"] & (
        frame["tier"].isna() | (frame["tier"] < 1) | (frame["tier"] % 1 != 0)
    ).fillna(True)
    for position in frame.index[bad_tier.to_numpy(dtype=bool)]:
        problems.append(
            Problem(
                source,
                int(position) + 2,
                "tier",
                str(eligibility["tier"].iloc[int(position)]),
                "an eligible seeker needs a whole tier >= 1",
            )
        )
    empty = frame["region"].isna() | (frame["region"] == "")
    for position in frame.index[empty.to_numpy(dtype=bool)]:
        problems.append(Problem(source, int(position) + 2, by, "", f"{by} must not be empty"))
    if problems:
        raise DataValidationError(problems)

    parents: dict[str, str] = {}
    if by == "district":
        pairs = frame[["region", "city"]].drop_duplicates()
        doubled = pairs["region"][pairs["region"].duplicated()].unique()
        if len(doubled):
            raise DataValidationError(
                [
                    Problem(source, None, "district", str(d), "district appears in two cities")
                    for d in doubled
                ]
            )
        parents = dict(zip(pairs["region"], pairs["city"], strict=True))

    eligible = frame[frame["eligible"]]
    tiers = sorted({int(t) for t in eligible["tier"].dropna()})
    per_tier = eligible.groupby(["region", "tier"]).size()
    seekers = frame.groupby("region").size()
    listed = list(regions or [])
    order = listed + sorted(set(seekers.index) - set(listed))
    rows: list[dict[str, object]] = []
    for region in order:
        counts = {t: int(per_tier.get((region, float(t)), 0)) for t in tiers}
        weight = sum(
            (exact_weights.get(t, Fraction(1)) * count for t, count in counts.items()),
            Fraction(0),
        )
        row: dict[str, object] = {
            REGION: region,
            WEIGHT: decimal_text(weight),
            "eligible": sum(counts.values()),
            "seekers": int(seekers.get(region, 0)),
        }
        if by == "district":
            row[PARENT] = parents.get(region, "")
        row.update({f"tier_{t}": c for t, c in counts.items()})
        rows.append(row)
    columns = [REGION, WEIGHT, "eligible", "seekers"]
    if by == "district":
        columns.append(PARENT)
    columns += [f"tier_{t}" for t in tiers]
    return pd.DataFrame(rows, columns=columns)
