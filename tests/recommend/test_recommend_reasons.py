"""Recommendation reasons call titles close (相近) only at the stated similarity threshold."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from matcher.recommend.reasons import recommendation_reasons
from matcher.scoring.reasons import SIMILAR_TITLE_SCORE, title_score


def _features(ratio: list[float], token_set: list[float], tfidf: list[float]) -> pd.DataFrame:
    n = len(ratio)
    return pd.DataFrame(
        {
            "seeker": np.zeros(n, dtype=np.int64),
            "post": np.arange(n, dtype=np.int64),
            "best_title_id": np.zeros(n, dtype=np.int64),
            "title_tfidf": tfidf,
            "title_ratio": ratio,
            "title_token_set": token_set,
            "education_gap": np.zeros(n),
            "same_district": np.ones(n),
            "distance_km": np.zeros(n),
            "post_wage": np.full(n, 1000.0),
            "wage_ratio": np.ones(n),
            "skills_matched": np.zeros(n),
        }
    )


def test_close_only_at_or_above_the_threshold() -> None:
    below = SIMILAR_TITLE_SCORE - 1
    features = _features(
        ratio=[float(SIMILAR_TITLE_SCORE), float(below), 10.0],
        token_set=[0.0, 0.0, 0.0],
        tfidf=[0.0, 0.0, 0.02],
    )
    seekers: Any = SimpleNamespace(titles=("保洁员",))
    posts: Any = SimpleNamespace(
        display_title=np.asarray(["保洁员", "保安员", "会计"], dtype=object)
    )
    reasons = recommendation_reasons(features, seekers, posts).tolist()
    assert reasons[0].startswith("求职意向「保洁员」与岗位「保洁员」相近（相似度 0.50）")
    assert "相近" not in reasons[1] and f"相似度 {below / 100:.2f}" in reasons[1]
    assert reasons[2].startswith("岗位「会计」（求职意向「保洁员」，相似度 0.10）")
    assert "相近" not in reasons[2]


def test_title_score_is_the_best_of_the_title_measures() -> None:
    features = _features(ratio=[20.0, np.nan], token_set=[35.0, np.nan], tfidf=[0.6, np.nan])
    assert title_score(features).tolist() == [60.0, 0.0]
