"""Candidate generation on a generated dataset: hard filters, blocking, K, determinism,
chunk-size independence, features and reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.io.load import load_dataset
from matcher.programs.candidates import candidate_table
from matcher.scoring.candidates import generate_candidates
from matcher.scoring.features import (
    FEATURE_NAMES,
    code_to_int,
    occupation_depth,
    pair_features,
    prepare_posts,
    prepare_seekers,
)
from matcher.scoring.reasons import explain


@pytest.fixture(scope="module")
def tables(scoring_small_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, date]:
    dataset = load_dataset(
        scoring_small_dir, tables=("seekers", "households", "employers", "posts")
    )
    posts = dataset["posts"]
    vacancies = posts[(posts["program"] == "vacancy") & (posts["status"] == "open")]
    return dataset["seekers"], vacancies.reset_index(drop=True), dataset.reference_date


def test_candidates_respect_hard_filters_and_k(tables) -> None:  # type: ignore[no-untyped-def]
    seekers, posts, when = tables
    result = generate_candidates(seekers, posts, when, k=7)
    pairs = result.pairs
    assert len(pairs) > 0
    s, p = pairs["seeker"].to_numpy(), pairs["post"].to_numpy()
    assert (result.seekers.city[s] == result.posts.city[p]).all()
    assert (result.seekers.education_rank[s] >= result.posts.min_education_rank[p]).all()
    age, low, high = result.seekers.age[s], result.posts.min_age[p], result.posts.max_age[p]
    assert (np.isnan(low) | (age >= low)).all() and (np.isnan(high) | (age <= high)).all()
    per_seeker = pairs.groupby("seeker").size()
    assert per_seeker.max() <= 7
    assert not pairs.duplicated(["seeker", "post"]).any()
    ranks = pairs.groupby("seeker")["rank"].apply(list)
    assert all(r == list(range(1, len(r) + 1)) for r in ranks)
    assert set(FEATURE_NAMES) <= set(pairs.columns)


def test_a_seeker_gets_every_feasible_post_when_k_is_large(tables) -> None:  # type: ignore[no-untyped-def]
    seekers, posts, when = tables
    result = generate_candidates(seekers.head(50), posts, when, k=10_000)
    side_s, side_p = result.seekers, result.posts
    for seeker in range(50):
        feasible = (
            (side_p.city == side_s.city[seeker])
            & ~(side_s.education_rank[seeker] < side_p.min_education_rank)
            & ~(side_s.age[seeker] < side_p.min_age)
            & ~(side_s.age[seeker] > side_p.max_age)
        )
        got = result.pairs.loc[result.pairs["seeker"] == seeker, "post"]
        assert sorted(got.tolist()) == np.flatnonzero(feasible).tolist()


def test_eligibility_filters_seekers_and_supplies_tier(tables) -> None:  # type: ignore[no-untyped-def]
    seekers, posts, when = tables
    eligible_ids = seekers["seeker_id"].iloc[::3]
    eligibility = pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"],
            "eligible": seekers["seeker_id"].isin(eligible_ids),
            "tier": pd.array([2] * len(seekers), dtype="Int64"),
        }
    )
    result = generate_candidates(seekers, posts, when, k=5, eligibility=eligibility)
    chosen = set(result.seekers.seeker_id[result.pairs["seeker"].to_numpy()])
    assert chosen <= set(eligible_ids)
    assert (result.pairs["tier"] == 2).all()
    # A side prepared once for several programs (no tier) takes this program's tier too.
    shared = (prepare_seekers(seekers, when), prepare_posts(posts))
    reused = generate_candidates(
        seekers, posts, when, k=5, eligibility=eligibility, prepared=shared
    )
    pd.testing.assert_frame_equal(reused.pairs, result.pairs)


def test_deterministic_and_independent_of_chunk_size(tables) -> None:  # type: ignore[no-untyped-def]
    seekers, posts, when = tables
    first = generate_candidates(seekers, posts, when, k=5)
    again = generate_candidates(seekers, posts, when, k=5)
    tiny_chunks = generate_candidates(seekers, posts, when, k=5, chunk_cells=500)
    pd.testing.assert_frame_equal(first.pairs, again.pairs)
    pd.testing.assert_frame_equal(first.pairs, tiny_chunks.pairs)
    one = candidate_table(first)
    two = candidate_table(again)
    pd.testing.assert_frame_equal(one, two)


def test_bad_titles_and_skills_are_counted_not_fatal(tables) -> None:  # type: ignore[no-untyped-def]
    seekers, posts, when = tables
    odd = seekers.head(6).copy()
    odd["desired_titles"] = ["", "Привет", "😀😀", "保洁员" * 20_000, None, "门卫|||"]
    odd["skills"] = ["不存在的技能|飞檐走壁", None, "", "保洁", "x" * 10_000, "保安"]
    result = generate_candidates(odd, posts, when, k=3)
    assert result.summary.unknown_skills >= 3
    assert result.summary.title_scripts["other"] >= 1  # Cyrillic
    assert result.summary.title_scripts["empty"] >= 2  # blank, emoji only
    assert result.summary.seekers_without_titles >= 3
    # Seekers with no usable title still get candidates, scored on everything else.
    assert result.pairs["seeker"].nunique() == result.summary.seekers_with_candidates


def test_code_helpers() -> None:
    assert code_to_int("4-07-01-02") == 4070102
    assert code_to_int("") == -1 and code_to_int(None) == -1 and code_to_int("4-07") == -1
    left = np.array([4070102, 4070102, 4070102, 4070102, 4070102, -1])
    right = np.array([4070102, 4070103, 4070203, 4080101, 5010101, 4070102])
    depth = occupation_depth(left, right)
    assert depth[:5].tolist() == [4, 3, 2, 1, 0]
    assert np.isnan(depth[5])


def test_pair_features_by_hand(tables) -> None:  # type: ignore[no-untyped-def]
    seekers, posts, when = tables
    seeker = seekers.head(1).copy()
    seeker["desired_titles"] = "社区保洁员|保安"
    seeker["skills"] = "保洁|驾驶"
    seeker["education"] = "senior_secondary"
    seeker["reservation_wage"] = 1000
    post = posts.head(2).copy()
    post["title"] = ["【急聘】保洁员（双休）", "会计"]
    post["wanted_skills"] = ["保洁|垃圾分类", None]
    post["min_education"] = ["primary", "bachelor"]
    post["wage"] = [1200, 800]
    post["district"] = [seeker["district"].iloc[0], post["district"].iloc[1]]
    s_side = prepare_seekers(seeker, when)
    p_side = prepare_posts(post)
    features = pair_features(s_side, p_side, np.array([0, 0]), np.array([0, 1]))
    cleaner, accountant = features.iloc[0], features.iloc[1]
    assert cleaner["title_ratio"] > accountant["title_ratio"]
    assert cleaner["title_partial"] == 100.0  # "保洁员" inside "社区保洁员"
    assert cleaner["skills_matched"] == 1 and cleaner["skills_missing"] == 1
    assert cleaner["skill_share"] == 0.5 and np.isnan(accountant["skill_share"])
    assert cleaner["education_gap"] == 2 and accountant["education_gap"] == -3
    assert cleaner["same_district"] == 1 and cleaner["distance_km"] == 0
    assert cleaner["wage_ratio"] == pytest.approx(1.2)
    reasons = explain(features.assign(seeker=[0, 0], post=[0, 1]), s_side, p_side)
    assert "社区保洁员" in reasons.loc[0, "reasons_zh"]
    assert "同区" in reasons.loc[0, "reasons_zh"]
    assert "技能缺口：垃圾分类" in reasons.loc[0, "reasons_zh"]
    assert "skill gap" in reasons.loc[0, "reasons_en"]
    assert reasons.loc[0, "matched_skills"] == "保洁"
    assert reasons.loc[0, "missing_skills"] == "垃圾分类"
