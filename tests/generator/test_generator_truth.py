"""The ground-truth outcome model: monotone where it must be, base rates, round trip."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.generator import GeneratedProvince, Truth, expected_outcome, load_truth
from matcher.generator.truth import occupation_fit


def _pairs_with_own_posts(
    province: GeneratedProvince, n: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``n`` random seeker-post pairs where every pair has its own copy of the post, so a post's
    hidden facts can be changed per pair."""
    rng = np.random.default_rng(seed)
    seekers = province.tables["seekers"]
    posts = province.tables["posts"]
    seeker_rows = rng.integers(0, len(seekers), n)
    post_rows = rng.integers(0, len(posts), n)
    copies = posts.iloc[post_rows].reset_index(drop=True)
    copies["post_id"] = [f"X{i}" for i in range(n)]
    truth = province.truth.posts.set_index("post_id").loc[posts["post_id"].iloc[post_rows]]
    post_truth = truth.reset_index(drop=True).assign(post_id=copies["post_id"])
    pairs = pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"].iloc[seeker_rows].to_numpy(),
            "post_id": copies["post_id"],
        }
    )
    return pairs, copies, post_truth


def _outcome(
    province: GeneratedProvince, pairs: pd.DataFrame, posts: pd.DataFrame, post_truth: pd.DataFrame
) -> pd.DataFrame:
    truth = replace(province.truth, posts=post_truth)
    return expected_outcome(province.tables["seekers"], posts, pairs, truth)


def test_occupation_fit_levels() -> None:
    fit = occupation_fit(
        np.array(["4-07-10-01"] * 5),
        np.array(["4-07-10-01", "4-07-10-02", "4-07-05-01", "4-01-01-01", "6-01-01-01"]),
    )
    assert list(fit) == sorted(fit, reverse=True) and fit[0] == 1.0 and fit[-1] == 0.0
    assert len(set(fit)) == 5


def test_better_occupation_fit_never_lowers_the_odds(small: GeneratedProvince) -> None:
    pairs, posts, post_truth = _pairs_with_own_posts(small, 3000, seed=1)
    seeker_code = (
        small.truth.seekers.set_index("seeker_id").loc[pairs["seeker_id"], "true_occupation"]
    ).to_numpy(dtype=str)
    results = []
    for code in (
        seeker_code,  # same detailed occupation
        np.char.add(np.char.ljust(seeker_code, 7).astype("<U7"), "-99"),  # same minor group
        np.char.add(np.char.ljust(seeker_code, 4).astype("<U4"), "-99-99"),  # same middle group
        np.where(np.char.startswith(seeker_code, "9"), "8-99-99-99", "9-99-99-99"),  # unrelated
    ):
        outcome = _outcome(small, pairs, posts, post_truth.assign(true_occupation=code))
        results.append(outcome)
    for better, worse in itertools.pairwise(results):
        assert (better["p_hired"] >= worse["p_hired"] - 1e-12).all()
        assert (better["p_retained"] >= worse["p_retained"] - 1e-12).all()
        assert better["p_success"].mean() > worse["p_success"].mean()


def test_education_fit(small: GeneratedProvince) -> None:
    pairs, posts, post_truth = _pairs_with_own_posts(small, 2000, seed=2)
    education = (
        small.tables["seekers"].set_index("seeker_id").loc[pairs["seeker_id"], "education"]
    ).to_numpy(dtype=str)
    from matcher.schemas.tables import EDUCATION_LEVELS

    levels = np.array(EDUCATION_LEVELS)
    rank = pd.Categorical(education, categories=list(levels)).codes.astype(int)
    exact = _outcome(small, pairs, posts.assign(min_education=education), post_truth)
    above = posts.assign(min_education=levels[np.minimum(rank + 2, 7)])
    under = _outcome(small, pairs, above, post_truth)
    can_rise = rank + 2 <= 7
    assert (under["p_hired"][can_rise] < exact["p_hired"][can_rise]).all()
    below = posts.assign(min_education=levels[np.maximum(rank - 3, 0)])
    over = _outcome(small, pairs, below, post_truth)
    can_fall = rank - 3 >= 0
    assert (over["p_retained"][can_fall] < exact["p_retained"][can_fall]).all()


def test_model_is_non_linear_in_distance(small: GeneratedProvince) -> None:
    """Distance matters only past the seeker's tolerance: a threshold, not a slope."""
    pairs, posts, post_truth = _pairs_with_own_posts(small, 1000, seed=3)
    home = small.tables["seekers"].set_index("seeker_id").loc[pairs["seeker_id"], "district"]
    near = _outcome(small, pairs, posts.assign(district=home.to_numpy()), post_truth)
    other_city = np.where(home.str[:4].to_numpy() == "2101", "210202", "210102")
    far = _outcome(small, pairs, posts.assign(district=other_city), post_truth)
    assert (far["p_hired"] < near["p_hired"]).mean() > 0.95
    assert far["p_hired"].mean() < 0.5 * near["p_hired"].mean()


def test_historical_base_rates(small: GeneratedProvince) -> None:
    placements = small.tables["placements"]
    hired = placements["hired"].mean()
    assert 0.25 <= hired <= 0.40
    retained = placements.loc[placements["hired"], "retained_12m"].mean()
    assert 0.50 <= retained <= 0.70
    assert not (placements["retained_12m"] & ~placements["hired"]).any()
    history = small.tables["posts"].set_index("post_id").loc[placements["post_id"]]
    seekers = small.tables["seekers"].set_index("seeker_id").loc[placements["seeker_id"]]
    assert (history["status"] != "open").all()
    assert (history["city"].to_numpy() == seekers["city"].to_numpy()).mean() > 0.85
    assert (placements["referral_date"] >= history["posted_date"].to_numpy()).all()
    assert (placements["referral_date"] <= pd.Timestamp("2008-12-31")).all()
    # Outcomes follow the truth: hired referrals had higher true odds than the others.
    truth = small.truth_tables["placements_truth"]
    p = truth["p_hired"].to_numpy()
    assert (
        p[placements["hired"].to_numpy()].mean() > p[~placements["hired"].to_numpy()].mean() + 0.1
    )


def test_truth_round_trip_from_files(small: GeneratedProvince, small_dir: Path) -> None:
    truth = load_truth(small_dir)
    assert isinstance(truth, Truth) and truth.reference_date == small.reference_date
    seekers = pd.read_csv(small_dir / "seekers.csv", dtype=str, keep_default_na=False)
    posts = pd.read_csv(small_dir / "posts.csv", dtype=str, keep_default_na=False)
    placements = pd.read_csv(small_dir / "placements.csv", dtype=str, keep_default_na=False)
    outcome = expected_outcome(seekers, posts, placements, truth)
    written = pd.read_csv(small_dir / "truth" / "placements_truth.csv")
    assert np.allclose(outcome["p_hired"], written["p_hired"], atol=1e-5)
    assert np.allclose(outcome["p_retained"], written["p_retained"], atol=1e-5)
    assert np.allclose(outcome["p_success"], outcome["p_hired"] * outcome["p_retained"])


def test_unknown_pairs_are_a_domain_error(small: GeneratedProvince) -> None:
    from matcher.errors import MatcherError

    pairs = pd.DataFrame({"seeker_id": ["nobody"], "post_id": ["P0000001"]})
    with pytest.raises(MatcherError, match="missing"):
        expected_outcome(small.tables["seekers"], small.tables["posts"], pairs, small.truth)
