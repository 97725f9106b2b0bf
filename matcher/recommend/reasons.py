"""Reasons for a recommendation, in Chinese, from the pair features of the scoring layer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.scoring.features import BEST_TITLE, PreparedPosts, PreparedSeekers
from matcher.scoring.reasons import SIMILAR_TITLE_SCORE, title_score


def recommendation_reasons(
    features: pd.DataFrame, seekers: PreparedSeekers, posts: PreparedPosts
) -> pd.Series:
    """One sentence per candidate pair (``seeker``, ``post`` row numbers and the features).

    Says which desired title matched and how closely (相似度, the title score of
    :func:`matcher.scoring.reasons.title_score` over 100), whether the education requirement is
    met, the distance, the wage against the seeker's expectation and the matched skills. The
    titles are called close (相近) only at a title score of at least
    :data:`~matcher.scoring.reasons.SIMILAR_TITLE_SCORE`; below it the reason names both titles
    and their similarity, and claims nothing.
    """
    n = len(features)
    if n == 0:
        return pd.Series([], dtype="string")
    post = features["post"].to_numpy(dtype=np.int64)
    best = features[BEST_TITLE].to_numpy(dtype=np.int64)
    titles = np.asarray((*seekers.titles, ""), dtype=object)
    desired = titles[np.where(best >= 0, best, len(titles) - 1)]
    post_title = posts.display_title[post]
    score = title_score(features)
    similarity = np.char.mod("%.2f", score / 100).astype(object)
    named = desired != ""
    close = named & (score >= SIMILAR_TITLE_SCORE)
    post_part = "岗位「" + post_title.astype(str) + "」"
    wanted = "求职意向「" + desired.astype(str) + "」"
    title_part = np.where(
        close,
        wanted + "与" + post_part + "相近（相似度 " + similarity + "）",
        np.where(
            named,
            post_part + "（" + wanted + "，相似度 " + similarity + "）",
            post_part,
        ),
    )
    parts: list[np.ndarray] = [title_part]
    gap = features["education_gap"].to_numpy(dtype=np.float64)
    parts.append(np.where(gap >= 0, "学历符合要求", "学历略低于要求"))
    same = features["same_district"].to_numpy(dtype=np.float64) > 0
    km = features["distance_km"].to_numpy(dtype=np.float64)
    parts.append(
        np.where(
            same,
            "同一区县",
            "距离约 " + np.char.mod("%.0f", np.nan_to_num(km)).astype(object) + " 公里",
        )
    )
    wage = features["post_wage"].to_numpy(dtype=np.float64)
    ratio = features["wage_ratio"].to_numpy(dtype=np.float64)
    wage_text = "月薪 " + np.char.mod("%.0f", np.nan_to_num(wage)).astype(object) + " 元"
    parts.append(
        np.where(
            np.isnan(ratio),
            wage_text,
            np.where(ratio >= 1, wage_text + "，不低于期望", wage_text + "，低于期望"),
        )
    )
    matched = np.nan_to_num(features["skills_matched"].to_numpy(dtype=np.float64))
    parts.append(
        np.where(
            matched > 0,
            "技能匹配 " + np.char.mod("%d", matched.astype(int)).astype(object) + " 项",
            "",
        )
    )
    text = parts[0].astype(object)
    for part in parts[1:]:
        text = np.where(part != "", text + "；" + part.astype(object), text)
    return pd.Series(text, index=features.index, dtype="string")
