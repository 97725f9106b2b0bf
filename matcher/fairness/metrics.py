"""``measure_allocation``: every fairness metric of one allocation, from its problem and arcs.

Reads the validated :class:`~matcher.allocation.problem.AllocationProblem` (the same one
``matcher allocate`` builds) and the chosen candidate arcs, and returns a
:class:`FairnessMeasures` with the counts, the group breakdowns (tier, city, sex, priority
groups), justified envy and waste, unused capacity, family coverage, spread across cities, the
distribution of choice ranks, floors, and the quota fill of each city.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from matcher.allocation.problem import (
    CITY,
    FAMILY_ID,
    LOTTERY,
    POST_ID,
    SEEKER_ID,
    TIER,
    AllocationProblem,
    BoolArray,
    FloatArray,
    IntArray,
)
from matcher.errors import DataValidationError, Problem
from matcher.fairness.envy import EnvyCounts, choice_ranks, count_envy_and_waste
from matcher.fairness.frame import breakdown, membership_breakdown
from matcher.fairness.inequality import ATKINSON_EPSILONS, atkinson, gini, theil_decomposition
from matcher.schemas.columns import NEED, POLICY_TIER, PRIORITY

#: Seekers columns read as partitions rather than as boolean groups.
SEX = "sex"
GROUPS = "groups"
_NOT_GROUPS = {
    SEEKER_ID, TIER, POLICY_TIER, LOTTERY, FAMILY_ID, CITY, SEX, GROUPS, "district", "name",
    NEED, PRIORITY,  # counts (a need of 1 everywhere is not a group)
}  # fmt: skip
_TRUE = {"1", "true", "yes", "1.0"}
_FALSE = {"0", "false", "no", "0.0", "", "nan", "<na>"}
#: Choice ranks above this are pooled into one bucket ("11+").
MAX_LISTED_RANK = 10


@dataclass(frozen=True)
class FairnessMeasures:
    """Every metric of one allocation. ``to_dict`` gives the JSON of ``matcher fairness --json``.

    Attributes
    ----------
    seekers, placed : int
        Seekers in the seekers table, and those placed.
    total_value : float
        Sum of the predicted match value (``score``) of the placements.
    value_quantiles : dict
        Quantiles (0, 0.25, 0.5, 0.75, 1) of the value among the placed.
    envy : EnvyCounts
        Justified envy and waste.
    breakdowns : dict of str to DataFrame
        ``tier``, ``city`` (seekers' city), ``sex``, ``group`` (priority groups): see
        :func:`matcher.fairness.frame.breakdown`. Present only when the seekers table has the
        column(s).
    unused_by_post, unused_by_city : DataFrame
        Capacity, used and unused places per post and per city (of the posts).
    families_coverable, families_covered : int
        Zero-employment families with a member who has a candidate post, and those with at
        least one member placed.
    inequality : dict
        Gini, Atkinson (0.5, 1, 2) of city placement rates and Theil (total, between, within)
        of placements and of value across the seekers' cities; empty without a seekers city.
    rank_distribution : dict
        Placed seekers by the rank of their post in their own list (``"1"`` … ``"10"``,
        ``"11+"``).
    floors : DataFrame
        ``constraint``, ``subject``, ``floor``, ``achieved``, ``met``, ``shortfall``.
    quota_fill : DataFrame
        ``city``, ``quota``, ``placed``, ``fill_rate`` for cities with a quota.
    city_tier : DataFrame
        ``eligible`` and ``placed`` indexed by (seekers' ``city``, ``tier``), for the heat map;
        empty without a seekers city.
    """

    seekers: int
    placed: int
    total_value: float
    value_quantiles: dict[str, float]
    envy: EnvyCounts
    breakdowns: dict[str, pd.DataFrame]
    unused_by_post: pd.DataFrame
    unused_by_city: pd.DataFrame
    families_coverable: int
    families_covered: int
    inequality: dict[str, float]
    rank_distribution: dict[str, int]
    floors: pd.DataFrame
    quota_fill: pd.DataFrame
    city_tier: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def placement_rate(self) -> float:
        """Placed over seekers (NaN without seekers)."""
        return self.placed / self.seekers if self.seekers else math.nan

    @property
    def unused_capacity(self) -> int:
        """Places left free, all posts together."""
        return int(self.unused_by_post["unused"].sum())

    @property
    def floor_shortfall(self) -> int:
        """Total shortfall over every floor."""
        return int(self.floors["shortfall"].sum()) if len(self.floors) else 0

    def rates(self, by: str) -> dict[str, float]:
        """Placement rate per group of one breakdown (empty when it is absent)."""
        table = self.breakdowns.get(by)
        if table is None:
            return {}
        return {
            str(g): float(r) for g, r in zip(table["group"], table["placement_rate"], strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (NaN becomes ``None``)."""
        by_tier = self.breakdowns.get("tier")
        result: dict[str, Any] = {
            "seekers": self.seekers,
            "placed": self.placed,
            "placement_rate": self.placement_rate,
            "total_value": self.total_value,
            "value_quantiles": self.value_quantiles,
            "justified_envy_pairs": self.envy.justified_envy_pairs,
            "seekers_with_justified_envy": self.envy.seekers_with_justified_envy,
            "wasteful_pairs": self.envy.wasteful_pairs,
            "seekers_with_waste": self.envy.seekers_with_waste,
            "placement_rate_by_tier": self.rates("tier"),
            "placed_by_tier": {}
            if by_tier is None
            else {str(g): int(p) for g, p in zip(by_tier["group"], by_tier["placed"], strict=True)},
            "unused_capacity": self.unused_capacity,
            "unused_capacity_by_city": {
                str(c): int(u)
                for c, u in zip(
                    self.unused_by_city["city"], self.unused_by_city["unused"], strict=True
                )
            },
            "unused_capacity_by_post": {
                str(p): int(u)
                for p, u in zip(
                    self.unused_by_post["post_id"], self.unused_by_post["unused"], strict=True
                )
                if u > 0
            },
            "families_coverable": self.families_coverable,
            "families_covered": self.families_covered,
            "inequality": self.inequality,
            "rank_distribution": self.rank_distribution,
            "floors": self.floors.to_dict(orient="records"),
            "floor_shortfall": self.floor_shortfall,
            "quota_fill": self.quota_fill.to_dict(orient="records"),
            "breakdowns": {
                name: table.to_dict(orient="records") for name, table in self.breakdowns.items()
            },
        }
        return _clean(result)


def _clean(value: Any) -> Any:
    """NaN to None and numpy scalars to Python, recursively, so json.dumps gives valid JSON."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    return value


def chosen_arcs(
    problem: AllocationProblem, allocation: pd.DataFrame, *, file: str = "allocation"
) -> IntArray:
    """The candidate arcs of an allocation table (``seeker_id``, ``post_id``), validated.

    Raises
    ------
    DataValidationError
        Missing columns, unknown seekers or posts, pairs that are not candidate pairs, a seeker
        placed twice, a post over its capacity: every problem at once.
    """
    problems: list[Problem] = []
    for column in (SEEKER_ID, POST_ID):
        if column not in allocation.columns:
            problems.append(Problem(file, None, column, None, "required column is missing"))
    if problems:
        raise DataValidationError(problems)
    seeker_code = pd.Index(problem.seekers[SEEKER_ID]).get_indexer(allocation[SEEKER_ID])
    post_code = pd.Index(problem.posts[POST_ID]).get_indexer(allocation[POST_ID])
    width = max(problem.n_posts, 1)
    key = problem.cand_seeker * width + problem.cand_post
    arcs = pd.Index(key).get_indexer(seeker_code.astype(np.int64) * width + post_code)

    def add(bad: BoolArray, column: str, values: pd.Series, rule: str) -> None:
        positions = np.flatnonzero(bad)
        for position in positions[:50]:
            problems.append(
                Problem(file, int(position) + 2, column, str(values.iloc[position]), rule)
            )
        if len(positions) > 50:
            problems.append(
                Problem(file, None, column, None, f"{rule}: {len(positions) - 50} more")
            )

    add(seeker_code < 0, SEEKER_ID, allocation[SEEKER_ID], "unknown seeker (not in seekers)")
    add(post_code < 0, POST_ID, allocation[POST_ID], "unknown post (not in posts)")
    known = (seeker_code >= 0) & (post_code >= 0)
    add(known & (arcs < 0), POST_ID, allocation[POST_ID], "not a candidate pair of this seeker")
    add(
        allocation[SEEKER_ID].duplicated().to_numpy() & (seeker_code >= 0),
        SEEKER_ID,
        allocation[SEEKER_ID],
        "seeker placed more than once",
    )
    if problems:
        raise DataValidationError(problems)
    used = np.bincount(post_code, minlength=problem.n_posts)
    over = np.flatnonzero(used > problem.post_capacity)
    for post in over[:50]:
        problems.append(
            Problem(
                file,
                None,
                POST_ID,
                str(problem.posts[POST_ID].iloc[post]),
                f"post holds {used[post]} seekers, more than its capacity "
                f"{problem.post_capacity[post]}",
            )
        )
    if problems:
        raise DataValidationError(problems)
    return arcs.astype(np.int64)


def _boolean_column(values: pd.Series) -> BoolArray | None:
    """Membership flags of a 0/1-like column, or None when the column is not boolean."""
    text = values.astype("string").fillna("").str.strip().str.lower()
    if not text.isin(_TRUE | _FALSE).all():
        return None
    return text.isin(_TRUE).to_numpy(dtype=bool)


def group_memberships(seekers: pd.DataFrame) -> dict[str, BoolArray]:
    """Priority-group membership per seeker: every boolean (0/1) column of the seekers table
    and every id in a ``|``-separated ``groups`` column (as the eligibility engine writes it)."""
    members: dict[str, BoolArray] = {}
    if GROUPS in seekers.columns:
        lists = seekers[GROUPS].astype("string").fillna("").str.split("|")
        exploded = lists.explode()
        exploded = exploded[exploded.astype(str).str.strip() != ""]
        positions = np.asarray(exploded.index, dtype=np.int64)
        names = exploded.astype(str).str.strip().to_numpy()
        for name in sorted(set(names.tolist())):
            flags = np.zeros(len(seekers), dtype=bool)
            flags[positions[names == name]] = True
            members[name] = flags
    for column in seekers.columns:
        if column in _NOT_GROUPS or column in members:
            continue
        membership = _boolean_column(seekers[column])
        if membership is not None:
            members[str(column)] = membership
    return members


def _floors(
    problem: AllocationProblem, placed: BoolArray, covered: int, coverable: int
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for tier, floor in zip(problem.tier_floors.index, problem.tier_floors.to_numpy(), strict=True):
        achieved = int((placed & (problem.seeker_tier == int(tier))).sum())
        rows.append(
            {
                "constraint": "tier_floor",
                "subject": f"tier {tier}",
                "floor": int(floor),
                "achieved": achieved,
            }
        )
    for group, floor in zip(
        problem.group_floors.index, problem.group_floors.to_numpy(), strict=True
    ):
        achieved = int((placed & problem.group_mask(str(group))).sum())
        rows.append(
            {
                "constraint": "group_floor",
                "subject": str(group),
                "floor": int(floor),
                "achieved": achieved,
            }
        )
    if problem.family_guarantee:
        rows.append(
            {
                "constraint": "family_guarantee",
                "subject": "zero-employment families",
                "floor": coverable,
                "achieved": covered,
            }
        )
    table = pd.DataFrame(rows, columns=["constraint", "subject", "floor", "achieved"])
    table["met"] = table["achieved"] >= table["floor"]
    table["shortfall"] = (table["floor"] - table["achieved"]).clip(lower=0).astype(np.int64)
    return table


def _families(problem: AllocationProblem, placed: BoolArray) -> tuple[int, int]:
    """(coverable, covered) zero-employment families."""
    if not problem.family_names:
        return 0, 0
    n_families = len(problem.family_names)
    member = problem.seeker_family >= 0
    has_candidate = np.zeros(problem.n_seekers, dtype=bool)
    has_candidate[problem.cand_seeker] = True
    coverable = np.zeros(n_families, dtype=bool)
    coverable[problem.seeker_family[member & has_candidate]] = True
    coverable &= problem.family_zero
    covered = np.zeros(n_families, dtype=bool)
    covered[problem.seeker_family[member & placed]] = True
    return int(coverable.sum()), int((covered & coverable).sum())


def _inequality(city: pd.Series, placed: BoolArray, value: FloatArray) -> dict[str, float]:
    labels = city.astype("string").fillna("(missing)").astype(str).to_numpy()
    names, codes = np.unique(labels, return_inverse=True)
    size = np.bincount(codes, minlength=len(names)).astype(np.float64)
    rate = np.bincount(codes, weights=placed.astype(np.float64), minlength=len(names)) / size
    # Indices of outcomes need non-negative values: a negative score (allowed by allocate)
    # counts as no value here.
    placed_value = np.where(placed, value, 0.0).clip(min=0.0)
    per_capita_value = np.bincount(codes, weights=placed_value, minlength=len(names)) / size
    result: dict[str, float] = {
        "cities": float(len(names)),
        "gini_placement_rate": gini(rate, size),
        "gini_value_per_eligible": gini(per_capita_value, size),
    }
    for epsilon in ATKINSON_EPSILONS:
        result[f"atkinson_{epsilon:g}_placement_rate"] = atkinson(rate, size, epsilon=epsilon)
    for name, outcome in (("placement", placed.astype(np.float64)), ("value", placed_value)):
        theil = theil_decomposition(outcome, codes)
        result[f"theil_{name}"] = theil.total
        result[f"theil_{name}_between_city"] = theil.between
        result[f"theil_{name}_within_city"] = theil.within
    return result


def measure_allocation(
    problem: AllocationProblem,
    chosen: IntArray,
    *,
    city_quotas: Mapping[str, int] | None = None,
) -> FairnessMeasures:
    """Measure one allocation.

    Parameters
    ----------
    problem : AllocationProblem
        The instance (its seekers table may carry ``city``, ``sex``, ``groups`` and boolean
        group columns for the breakdowns).
    chosen : IntArray
        Candidate arcs placed (see :func:`chosen_arcs`).
    city_quotas : mapping of city to int, optional
        Quotas for the quota fill; by default the problem's city caps.

    Returns
    -------
    FairnessMeasures
    """
    chosen = np.sort(np.asarray(chosen, dtype=np.int64))
    placed = np.zeros(problem.n_seekers, dtype=bool)
    placed[problem.cand_seeker[chosen]] = True
    value = np.zeros(problem.n_seekers, dtype=np.float64)
    value[problem.cand_seeker[chosen]] = problem.cand_score[chosen]
    placed_values = problem.cand_score[chosen]
    quantiles = {
        f"q{int(q * 100)}": float(np.quantile(placed_values, q)) if len(placed_values) else math.nan
        for q in (0.0, 0.25, 0.5, 0.75, 1.0)
    }

    seekers = problem.seekers
    post_cities = sorted(set(problem.posts[CITY].astype(str)) - {""})
    # A programme's allocation orders seekers by priority (tier, then need); its tiers are
    # measured as the policy names them when the seekers table carries them.
    tiers = (
        seekers[POLICY_TIER].astype(np.int64).to_numpy()
        if POLICY_TIER in seekers.columns
        else problem.seeker_tier
    )
    breakdowns = {
        "tier": breakdown(
            placed,
            value,
            tiers,
            by="tier",
            expected=[]
            if POLICY_TIER in seekers.columns
            else [int(t) for t in problem.tier_floors.index],
        )
    }
    if CITY in seekers.columns:
        breakdowns["city"] = breakdown(
            placed, value, seekers[CITY], by="city", expected=post_cities
        )
    if SEX in seekers.columns:
        breakdowns["sex"] = breakdown(placed, value, seekers[SEX], by="sex")
    members = group_memberships(seekers)
    if members:
        breakdowns["group"] = membership_breakdown(placed, value, members)

    used = np.bincount(problem.cand_post[chosen], minlength=problem.n_posts)
    unused_by_post = pd.DataFrame(
        {
            POST_ID: problem.posts[POST_ID].to_numpy(),
            CITY: problem.posts[CITY].to_numpy(),
            "capacity": problem.post_capacity,
            "used": used,
            "unused": problem.post_capacity - used,
        }
    )
    unused_by_city = (
        unused_by_post.groupby(CITY, sort=True)[["capacity", "used", "unused"]].sum().reset_index()
    )
    coverable, covered = _families(problem, placed)
    ranks = choice_ranks(problem, chosen)
    bucket = np.minimum(ranks, MAX_LISTED_RANK + 1)
    counts = np.bincount(bucket, minlength=MAX_LISTED_RANK + 2)
    rank_distribution = {str(r): int(counts[r]) for r in range(1, MAX_LISTED_RANK + 1)}
    rank_distribution[f"{MAX_LISTED_RANK + 1}+"] = int(counts[MAX_LISTED_RANK + 1])

    quotas = (
        dict(city_quotas)
        if city_quotas is not None
        else {
            str(c): int(q)
            for c, q in zip(problem.city_caps.index, problem.city_caps.to_numpy(), strict=True)
        }
    )
    placed_in_city = unused_by_city.set_index(CITY)["used"]
    quota_fill = pd.DataFrame(
        {
            "city": list(quotas),
            "quota": [int(q) for q in quotas.values()],
            "placed": [int(placed_in_city.get(c, 0)) for c in quotas],
        },
        columns=["city", "quota", "placed"],
    )
    quota_fill["fill_rate"] = quota_fill["placed"] / quota_fill["quota"].where(
        quota_fill["quota"] > 0
    )

    city_tier = pd.DataFrame()
    if CITY in seekers.columns:
        cells = pd.DataFrame(
            {
                CITY: seekers[CITY].astype("string").fillna("(missing)").to_numpy(),
                TIER: tiers,
                "placed": placed,
            }
        )
        city_tier = cells.groupby([CITY, TIER], sort=True)["placed"].agg(["size", "sum"])
        city_tier = city_tier.rename(columns={"size": "eligible", "sum": "placed"}).astype(np.int64)

    return FairnessMeasures(
        seekers=problem.n_seekers,
        placed=int(placed.sum()),
        total_value=float(placed_values.sum()),
        value_quantiles=quantiles,
        envy=count_envy_and_waste(problem, chosen),
        breakdowns=breakdowns,
        unused_by_post=unused_by_post,
        unused_by_city=unused_by_city,
        families_coverable=coverable,
        families_covered=covered,
        inequality=_inequality(seekers[CITY], placed, value) if CITY in seekers.columns else {},
        rank_distribution=rank_distribution,
        floors=_floors(problem, placed, covered, coverable),
        quota_fill=quota_fill,
        city_tier=city_tier,
    )


__all__ = [
    "FairnessMeasures",
    "chosen_arcs",
    "group_memberships",
    "measure_allocation",
]
