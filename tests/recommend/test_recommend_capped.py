"""Congestion-aware recommendation lists: caps and list lengths hold, the total score is the
best possible (checked against an LP), and the cap lowers concentration on skewed demand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from matcher.recommend import (
    capped_lists,
    concentration,
    recommend,
    recommendation_caps,
    shortlists,
    top_k_lists,
)


@st.composite
def instances(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.Series, int]:
    n_seekers = draw(st.integers(1, 8))
    n_posts = draw(st.integers(1, 6))
    rows = []
    for s in range(n_seekers):
        chosen = draw(st.sets(st.integers(0, n_posts - 1), min_size=1, max_size=n_posts))
        for p in sorted(chosen):
            score = draw(st.integers(1, 1000)) / 1000
            rows.append((f"S{s}", f"P{p}", score))
    pairs = pd.DataFrame(rows, columns=["seeker_id", "post_id", "score"])
    openings = pd.Series(
        [draw(st.integers(0, 3)) for _ in range(n_posts)],
        index=[f"P{p}" for p in range(n_posts)],
    )
    return pairs, openings, draw(st.integers(1, 3))


def _lp_best(pairs: pd.DataFrame, caps: pd.Series, length: int) -> tuple[float, float]:
    """Most entries, then the largest score among those, by LP (the polytope is integral)."""
    seekers = sorted(pairs["seeker_id"].unique())
    posts = sorted(pairs["post_id"].unique())
    n = len(pairs)
    a_ub, b_ub = [], []
    for s in seekers:
        a_ub.append((pairs["seeker_id"] == s).to_numpy(dtype=float))
        b_ub.append(length)
    for p in posts:
        a_ub.append((pairs["post_id"] == p).to_numpy(dtype=float))
        b_ub.append(float(caps.get(p, 0)))
    first = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=[(0, 1)] * n, method="highs")
    most = -first.fun
    second = linprog(
        -pairs["score"].to_numpy(),
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=[np.ones(n)],
        b_eq=[most],
        bounds=[(0, 1)] * n,
        method="highs",
    )
    return most, -second.fun


@settings(max_examples=60, deadline=None)
@given(instances())
def test_capped_lists_respect_caps_and_are_optimal(
    case: tuple[pd.DataFrame, pd.Series, int],
) -> None:
    pairs, openings, length = case
    caps = recommendation_caps(openings, pairs["seeker_id"].nunique(), length, slack=1.0)
    lists = capped_lists(pairs, caps, length)
    assert (lists.groupby("seeker_id").size() <= length).all()
    per_post = lists.groupby("post_id").size()
    assert (per_post <= caps.reindex(per_post.index)).all()
    merged = lists.merge(pairs, on=["seeker_id", "post_id"], suffixes=("", "_pair"))
    assert len(merged) == len(lists)  # only real candidate pairs
    assert not lists.duplicated(["seeker_id", "post_id"]).any()
    ranks = lists.groupby("seeker_id")["rank"].apply(list)
    assert all(r == list(range(1, len(r) + 1)) for r in ranks)
    most, best_score = _lp_best(pairs, caps, length)
    assert len(lists) == pytest.approx(most)
    assert lists["score"].sum() == pytest.approx(best_score, abs=1e-5)


def test_caps_are_proportional_to_openings() -> None:
    openings = pd.Series([1, 3, 0], index=["A", "B", "C"])
    caps = recommendation_caps(openings, n_seekers=10, list_length=2, slack=2.0)
    # 20 slots over 4 openings: 5 per opening, doubled by the slack; at least 1 each.
    assert caps.to_dict() == {"A": 10, "B": 30, "C": 1}


def test_cap_spreads_attention_away_from_a_popular_vacancy() -> None:
    rng = np.random.default_rng(3)
    n_seekers, n_posts = 400, 100
    rows = []
    for s in range(n_seekers):
        for p in rng.choice(n_posts, size=10, replace=False):
            # Vacancy 0-2 look best to everyone: the herd a plain top-k creates.
            bonus = 0.5 if p < 3 else 0.0
            rows.append((f"S{s:04d}", f"P{p:03d}", round(bonus + rng.random() * 0.5, 6)))
    for s in range(n_seekers):
        rows.append((f"S{s:04d}", "P000", 0.99))
    pairs = pd.DataFrame(rows, columns=["seeker_id", "post_id", "score"]).drop_duplicates(
        ["seeker_id", "post_id"]
    )
    openings = pd.Series(1, index=[f"P{p:03d}" for p in range(n_posts)])
    result = recommend(pairs, openings, list_length=3, slack=1.5)
    assert result.capped.top_share < result.uncapped.top_share
    assert result.capped.max_per_opening <= math.ceil(1.5 * 3 * n_seekers / n_posts)
    assert result.uncapped.max_per_opening >= n_seekers  # everyone was sent to P000
    # Relevance is kept within reason: the capped lists still use good candidates.
    assert result.capped.mean_score > 0.6 * result.uncapped.mean_score
    assert result.capped.recommendations == result.uncapped.recommendations


def test_topk_method_is_the_plain_lists() -> None:
    pairs = pd.DataFrame(
        {"seeker_id": ["a", "a", "a", "b"], "post_id": ["x", "y", "z", "x"],
         "score": [0.1, 0.9, 0.5, 0.3]}
    )  # fmt: skip
    openings = pd.Series(1, index=["x", "y", "z"])
    result = recommend(pairs, openings, list_length=2, method="topk")
    assert result.lists[["seeker_id", "rank", "post_id"]].values.tolist() == [
        ["a", 1, "y"], ["a", 2, "z"], ["b", 1, "x"],
    ]  # fmt: skip
    assert result.lists.equals(top_k_lists(pairs, 2))
    report = concentration(result.lists, openings)
    # 3 vacancies: the top 1 % is one vacancy, and each of x, y, z got one of the 3 entries.
    assert report.top_share == pytest.approx(1 / 3)
    assert report.seekers_with_list == 2


@pytest.mark.parametrize("bad", [{"list_length": 0}, {"slack": 0.0}, {"method": "greedy"}])
def test_parameters_are_checked(bad: dict[str, object]) -> None:
    pairs = pd.DataFrame({"seeker_id": ["a"], "post_id": ["x"], "score": [0.5]})
    with pytest.raises(ValueError, match="parameter"):
        recommend(pairs, pd.Series(1, index=["x"]), **bad)  # type: ignore[arg-type]


def test_shortlists_hold_the_best_seekers_per_opening() -> None:
    pairs = pd.DataFrame(
        {
            "seeker_id": [f"S{i}" for i in range(8)] + ["S0"],
            "post_id": ["x"] * 8 + ["y"],
            "score": [0.1, 0.8, 0.3, 0.9, 0.5, 0.2, 0.7, 0.4, 0.6],
        }
    )
    result = shortlists(pairs, pd.Series({"x": 2, "y": 1}), per_opening=2, max_length=3)
    x = result[result["post_id"] == "x"]
    assert x["seeker_id"].tolist() == ["S3", "S1", "S6"]  # 2 × 2 capped at 3, best first
    assert result[result["post_id"] == "y"]["seeker_id"].tolist() == ["S0"]
