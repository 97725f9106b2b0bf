"""Congestion-aware recommendation lists.

A plain top-``k`` per seeker sends everyone to the same popular vacancies. Here each vacancy may
be recommended at most ``cap`` times, in proportion to its openings::

    cap_j = max(1, ceil(slack × openings_j × total_list_slots / total_openings))

and the lists are chosen together as a capacitated assignment that maximises the total score:
a min-cost flow source → seeker (capacity ``list_length``) → vacancy (each candidate pair,
capacity 1, cost −score) → sink (capacity ``cap_j``), solved for maximum flow at least cost
with OR-Tools. Lists stay relevant (only each seeker's own candidates, best-scoring kept) while
attention spreads over vacancies in proportion to what they can absorb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from ortools.graph.python import min_cost_flow

from matcher.errors import MatcherError
from matcher.frames import isin

Method = Literal["capped", "topk"]
METHODS: tuple[str, ...] = ("capped", "topk")
DEFAULT_LIST_LENGTH = 5
DEFAULT_SLACK = 2.0
# Scores are probabilities or similarities in [0, 1]; a million steps keeps ties rare.
_SCORE_SCALE = 1_000_000
#: Columns of a recommendations frame, in order.
LIST_COLUMNS = ("seeker_id", "rank", "post_id", "score")


@dataclass(frozen=True)
class Concentration:
    """How concentrated and how relevant a set of recommendation lists is.

    Attributes
    ----------
    recommendations : int
        Total list entries.
    vacancies : int
        Vacancies that could be recommended (the denominator of the top 1 %).
    top_share : float
        Share of all entries that go to the most-recommended 1 % of vacancies (at least one).
    max_per_opening : float
        The largest number of entries per opening of any vacancy.
    mean_score : float
        Mean score of the entries (relevance).
    seekers_with_list : int
        Seekers with at least one entry.
    """

    recommendations: int
    vacancies: int
    top_share: float
    max_per_opening: float
    mean_score: float
    seekers_with_list: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "recommendations": self.recommendations,
            "vacancies": self.vacancies,
            "top_share": round(self.top_share, 6),
            "max_per_opening": round(self.max_per_opening, 6),
            "mean_score": round(self.mean_score, 6),
            "seekers_with_list": self.seekers_with_list,
        }


@dataclass(frozen=True)
class Recommendations:
    """Lists and the concentration report with and without the cap."""

    lists: pd.DataFrame  # LIST_COLUMNS, sorted by seeker then rank
    caps: pd.Series  # post_id → most times recommended
    method: str
    capped: Concentration
    uncapped: Concentration

    def report(self) -> dict[str, object]:
        """JSON-friendly report for the run record and the API."""
        return {
            "method": self.method,
            "with_cap": self.capped.as_dict(),
            "without_cap": self.uncapped.as_dict(),
        }


def concentration(
    lists: pd.DataFrame, openings: pd.Series, *, top_fraction: float = 0.01
) -> Concentration:
    """Concentration and relevance of ``lists`` (``seeker_id``, ``post_id``, ``score``).

    ``openings`` (post_id → places) names every vacancy that could be recommended.
    """
    counts = lists["post_id"].value_counts()
    n_vacancies = len(openings)
    top_n = max(1, math.ceil(top_fraction * n_vacancies)) if n_vacancies else 0
    total = len(lists)
    top = np.sort(counts.to_numpy())[::-1][:top_n]
    per_opening = counts / openings.reindex(counts.index).clip(lower=1).astype(float)
    return Concentration(
        recommendations=total,
        vacancies=n_vacancies,
        top_share=float(top.sum() / total) if total else 0.0,
        max_per_opening=float(per_opening.max()) if total else 0.0,
        mean_score=float(lists["score"].mean()) if total else 0.0,
        seekers_with_list=int(lists["seeker_id"].nunique()),
    )


def recommendation_caps(
    openings: pd.Series, n_seekers: int, list_length: int, slack: float
) -> pd.Series:
    """Most times each vacancy may be recommended: its proportional share of the list slots,
    times ``slack``, at least 1."""
    openings = openings.clip(lower=0).astype(np.int64)
    total_openings = int(openings.sum())
    slots = n_seekers * list_length
    if total_openings == 0:
        return pd.Series(1, index=openings.index, dtype=np.int64)
    share = np.ceil(slack * openings.to_numpy() * slots / total_openings)
    return pd.Series(np.maximum(share, 1).astype(np.int64), index=openings.index, name="cap")


def _order(lists: pd.DataFrame) -> pd.DataFrame:
    ordered = lists.sort_values(
        ["seeker_id", "score", "post_id"], ascending=[True, False, True], kind="stable"
    ).reset_index(drop=True)
    ordered.insert(1, "rank", ordered.groupby("seeker_id").cumcount().to_numpy() + 1)
    return ordered.loc[:, list(LIST_COLUMNS)]


def top_k_lists(pairs: pd.DataFrame, list_length: int) -> pd.DataFrame:
    """The plain best ``list_length`` candidates per seeker (the uncapped baseline)."""
    ordered = pairs.sort_values(
        ["seeker_id", "score", "post_id"], ascending=[True, False, True], kind="stable"
    )
    kept = ordered.groupby("seeker_id", sort=False).head(list_length)
    return _order(kept.loc[:, ["seeker_id", "post_id", "score"]])


def capped_lists(pairs: pd.DataFrame, caps: pd.Series, list_length: int) -> pd.DataFrame:
    """Lists of at most ``list_length`` per seeker and at most ``caps[post]`` per vacancy with
    the largest total score among those of the most entries (min-cost max-flow)."""
    if pairs.empty:
        # Typed like the lists of a non-empty pool (rank int, score float).
        types = {"rank": "int64", "score": "float64"}
        return pd.DataFrame({c: pd.Series(dtype=types.get(c, object)) for c in LIST_COLUMNS})
    seeker_codes, seeker_names = pd.factorize(pairs["seeker_id"], sort=True)
    post_codes, post_names = pd.factorize(pairs["post_id"], sort=True)
    n_seekers, n_posts = len(seeker_names), len(post_names)
    source, sink = 0, 1 + n_seekers + n_posts
    seeker_node = 1 + np.arange(n_seekers, dtype=np.int64)
    post_node = 1 + n_seekers + np.arange(n_posts, dtype=np.int64)
    post_cap = caps.reindex(post_names).fillna(0).to_numpy(dtype=np.int64)
    score = pairs["score"].to_numpy(dtype=np.float64)
    cost = -np.round(score * _SCORE_SCALE).astype(np.int64)

    flow = min_cost_flow.SimpleMinCostFlow()
    starts = np.concatenate([np.full(n_seekers, source), 1 + seeker_codes, post_node]).astype(
        np.int64
    )
    ends = np.concatenate([seeker_node, post_node[post_codes], np.full(n_posts, sink)]).astype(
        np.int64
    )
    capacities = np.concatenate(
        [np.full(n_seekers, list_length), np.ones(len(pairs)), post_cap]
    ).astype(np.int64)
    costs = np.concatenate([np.zeros(n_seekers), cost, np.zeros(n_posts)]).astype(np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(starts, ends, capacities, costs)
    # Offer every list slot at the source; max-flow-with-min-cost sends what the caps allow.
    slots = n_seekers * list_length
    flow.set_node_supply(source, slots)
    flow.set_node_supply(sink, -slots)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise MatcherError(f"recommendation flow did not solve (status {status})")
    pair_arcs = np.arange(n_seekers, n_seekers + len(pairs), dtype=np.int64)
    chosen: npt.NDArray[np.bool_] = flow.flows(pair_arcs) > 0
    kept = pairs.loc[chosen, ["seeker_id", "post_id", "score"]]
    return _order(kept)


def recommend(
    pairs: pd.DataFrame,
    openings: pd.Series,
    *,
    list_length: int = DEFAULT_LIST_LENGTH,
    slack: float = DEFAULT_SLACK,
    method: Method = "capped",
) -> Recommendations:
    """Recommendation lists per seeker from scored candidate pairs.

    Parameters
    ----------
    pairs : DataFrame
        ``seeker_id``, ``post_id``, ``score`` (higher is better): each seeker's candidates.
    openings : Series
        post_id → open places of every vacancy that may be recommended.
    list_length : int
        Entries per seeker (at most).
    slack : float
        How far above its proportional share a vacancy may be recommended (``capped`` only).
    method : {"capped", "topk"}
        ``capped``: the capacitated assignment; ``topk``: plain best-``list_length``.

    Returns
    -------
    Recommendations
        The lists and the concentration/relevance report with and without the cap.
    """
    if list_length < 1:
        raise ValueError(f"The 'list_length' parameter must be >= 1. Got {list_length!r}.")
    if not slack > 0:
        raise ValueError(f"The 'slack' parameter must be > 0. Got {slack!r}.")
    if method not in METHODS:
        raise ValueError(f"The 'method' parameter must be one of {METHODS}. Got {method!r}.")
    pairs = pairs.loc[isin(pairs["post_id"], openings.index)]
    n_seekers = int(pairs["seeker_id"].nunique())
    caps = recommendation_caps(openings, n_seekers, list_length, slack)
    plain = top_k_lists(pairs, list_length)
    lists = capped_lists(pairs, caps, list_length) if method == "capped" else plain
    capped_report = concentration(lists, openings)
    return Recommendations(
        lists=lists,
        caps=caps,
        method=method,
        capped=capped_report,
        uncapped=concentration(plain, openings),
    )


def shortlists(
    pairs: pd.DataFrame,
    openings: pd.Series,
    *,
    per_opening: int = 3,
    max_length: int = 20,
) -> pd.DataFrame:
    """Each vacancy's shortlist: its best-scoring candidate seekers, ``per_opening`` per place
    (at most ``max_length``). Columns ``post_id``, ``rank``, ``seeker_id``, ``score``."""
    ordered = pairs.loc[isin(pairs["post_id"], openings.index)].sort_values(
        ["post_id", "score", "seeker_id"], ascending=[True, False, True], kind="stable"
    )
    ordered = ordered.assign(rank=ordered.groupby("post_id").cumcount().to_numpy() + 1)
    length = (openings.clip(lower=1) * per_opening).clip(upper=max_length).astype(np.int64)
    keep = ordered["rank"].to_numpy() <= length.reindex(ordered["post_id"]).to_numpy()
    return ordered.loc[keep, ["post_id", "rank", "seeker_id", "score"]].reset_index(drop=True)
