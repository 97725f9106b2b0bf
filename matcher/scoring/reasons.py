"""Reasons a counsellor can say to a seeker, in Chinese with an English equivalent.

Each reason belongs to a feature (or a few). Reasons are ordered by how much the model leans on
their features (permutation importance, recorded in the model card), so the first reasons name
what drove the score. Each candidate gets up to three favourable reasons, then at most one
unfavourable one, then its skill gap: the skills the post wants that the seeker lacks, which
training can close. Deterministic: the same features give the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher import reference
from matcher.scoring.features import BEST_TITLE, PreparedPosts, PreparedSeekers

REASON_COLUMNS: tuple[str, ...] = ("reasons_zh", "reasons_en", "matched_skills", "missing_skills")
_MAX_FAVOURABLE = 3
#: A post title is said to be close (相近) to a desired title only at a title score of at least
#: this, on 0-100: the best of the fuzzy ratio, the token-set ratio and 100 x the TF-IDF cosine
#: (:func:`title_score`). Below it a reason names the titles without claiming they are alike.
SIMILAR_TITLE_SCORE = 50
_ZH_SEP, _EN_SEP = " · ", "; "

# Which features each reason speaks for: its weight is the sum of their importances.
_REASON_FEATURES: dict[str, tuple[str, ...]] = {
    "title": ("title_tfidf", "title_ratio", "title_partial", "title_token_set", "type_partial"),
    "occupation": ("occupation_depth",),
    "distance": ("same_district", "distance_km"),
    "education": ("education_gap",),
    "skills": ("skills_matched", "skill_share"),
    "wage": ("wage_ratio", "post_wage"),
    "major": ("major_match",),
    "area": ("area_match",),
    "age": ("age", "age_margin"),
    "tier": ("tier",),
}
# Used when no model card gives importances: roughly the order counsellors reason in.
_DEFAULT_ORDER = (
    "title", "occupation", "skills", "distance", "education",
    "wage", "major", "age", "area", "tier",
)  # fmt: skip


@dataclass(frozen=True)
class _Reason:
    key: str
    show: npt.NDArray[np.bool_]
    zh: pd.Series
    en: pd.Series


def _text(values: npt.ArrayLike) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), dtype="string").fillna("")


def _skill_lists(
    bits: npt.NDArray[np.uint64], names_zh: tuple[str, ...], names_en: tuple[str, ...]
) -> tuple[pd.Series, pd.Series]:
    """``、``-joined Chinese and ``, ``-joined English skill names per row of bit sets."""
    if bits.shape[0] == 0:
        return _text([]), _text([])
    unique, inverse = np.unique(bits, axis=0, return_inverse=True)
    zh: list[str] = []
    en: list[str] = []
    for row in unique:
        positions = [
            word * 64 + bit
            for word in range(row.shape[0])
            for bit in range(64)
            if int(row[word]) >> bit & 1
        ]
        zh.append("、".join(names_zh[p] for p in positions))
        en.append(", ".join(names_en[p] for p in positions))
    inverse = np.asarray(inverse).reshape(-1)
    return _text(np.asarray(zh, dtype=object)[inverse]), _text(
        np.asarray(en, dtype=object)[inverse]
    )


def title_score(pairs: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The title score (0-100) that :data:`SIMILAR_TITLE_SCORE` is stated on, per pair: the best
    of ``title_ratio``, ``title_token_set`` and 100 x ``title_tfidf``; 0 where the seeker gave
    no title."""

    def col(name: str) -> npt.NDArray[np.float64]:
        return pairs[name].to_numpy(dtype=np.float64, na_value=np.nan)

    score = np.fmax(np.fmax(col("title_ratio"), col("title_token_set")), 100 * col("title_tfidf"))
    return np.nan_to_num(score, nan=0.0)


def reason_order(importance: Mapping[str, float] | None) -> tuple[str, ...]:
    """Reason keys, most important first (by summed feature importance)."""
    if not importance:
        return _DEFAULT_ORDER
    weight = {
        key: sum(max(float(importance.get(f, 0.0)), 0.0) for f in features)
        for key, features in _REASON_FEATURES.items()
    }
    return tuple(sorted(_DEFAULT_ORDER, key=lambda key: (-weight[key], _DEFAULT_ORDER.index(key))))


def explain(
    pairs: pd.DataFrame,
    seekers: PreparedSeekers,
    posts: PreparedPosts,
    *,
    importance: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Reasons for each candidate pair.

    Parameters
    ----------
    pairs : DataFrame
        ``seeker`` and ``post`` row numbers plus the feature columns and ``best_title_id``
        (as made by :func:`matcher.scoring.candidates.generate_candidates`).
    seekers, posts : PreparedSeekers, PreparedPosts
        The prepared sides the row numbers point into.
    importance : mapping, optional
        Feature → importance (from the model card) to order the reasons.

    Returns
    -------
    DataFrame
        :data:`REASON_COLUMNS`, aligned with ``pairs``.
    """
    n = len(pairs)
    s = pairs["seeker"].to_numpy(dtype=np.int64)
    p = pairs["post"].to_numpy(dtype=np.int64)

    def col(name: str) -> npt.NDArray[np.float64]:
        return pairs[name].to_numpy(dtype=np.float64, na_value=np.nan)

    skills = reference.skills()
    names_zh = tuple(skills["skill"].tolist())
    names_en = tuple(skills["english"].tolist())
    matched_zh, matched_en = _skill_lists(
        seekers.skill_bits[s] & posts.skill_bits[p], names_zh, names_en
    )
    missing_zh, missing_en = _skill_lists(
        posts.skill_bits[p] & ~seekers.skill_bits[s], names_zh, names_en
    )

    favourable: dict[str, _Reason] = {}
    unfavourable: list[_Reason] = []

    score = title_score(pairs)
    best = pairs[BEST_TITLE].to_numpy(dtype=np.int64) if BEST_TITLE in pairs else np.full(n, -1)
    titles = np.asarray([*seekers.titles, ""], dtype=object)
    desired = _text(titles[np.where(best >= 0, best, len(titles) - 1)])
    number = _text(np.char.mod("%d", score.round().astype(np.int64)))
    show = score >= SIMILAR_TITLE_SCORE
    favourable["title"] = _Reason(
        "title",
        show,
        "岗位名称与期望职位“" + desired + "”相近 (" + number + ")",
        "post title close to the desired job “" + desired + "” (" + number + ")",
    )
    depth = col("occupation_depth")
    depth_zh = np.select(
        [depth == 4, depth == 3, depth == 2], ["职业相同", "同一职业小类", "同一职业中类"], ""
    )
    depth_en = np.select(
        [depth == 4, depth == 3, depth == 2],
        ["same occupation (CSCO)", "same CSCO minor group", "same CSCO middle group"],
        "",
    )
    favourable["occupation"] = _Reason("occupation", depth >= 2, _text(depth_zh), _text(depth_en))
    distance = col("distance_km")
    same = col("same_district") == 1
    km = _text(np.char.mod("%d", np.nan_to_num(distance, nan=0.0).round().astype(np.int64)))
    near = ~same & (distance <= 15)
    favourable["distance"] = _Reason(
        "distance",
        same | near,
        pd.Series(np.where(same, "同区", ""), dtype="string").where(same, "距离约" + km + "公里"),
        pd.Series(np.where(same, "same district", ""), dtype="string").where(
            same, "about " + km + " km away"
        ),
    )
    far = distance > 40
    unfavourable.append(
        _Reason("distance", far, "距离较远（约" + km + "公里）", "far away (about " + km + " km)")
    )
    gap = col("education_gap")
    favourable["education"] = _Reason(
        "education",
        (gap >= 0) & (gap < 3),
        _text(np.full(n, "学历符合")),
        _text(np.full(n, "education fits")),
    )
    unfavourable.append(
        _Reason(
            "education",
            gap >= 3,
            _text(np.full(n, "学历明显高于岗位要求")),
            _text(np.full(n, "well above the required education")),
        )
    )
    favourable["skills"] = _Reason(
        "skills",
        col("skills_matched") > 0,
        "技能匹配：" + matched_zh,
        "matching skills: " + matched_en,
    )
    wage_ratio = col("wage_ratio")
    wage = _text(np.char.mod("%d", np.nan_to_num(posts.wage[p], nan=0.0).astype(np.int64)))
    favourable["wage"] = _Reason(
        "wage",
        wage_ratio >= 1,
        "工资" + wage + "元不低于期望",
        "wage " + wage + " yuan meets expectation",
    )
    unfavourable.append(
        _Reason(
            "wage",
            wage_ratio < 0.9,
            "工资" + wage + "元低于期望",
            "wage " + wage + " yuan below expectation",
        )
    )
    favourable["major"] = _Reason(
        "major",
        col("major_match") == 1,
        _text(np.full(n, "专业对口")),
        _text(np.full(n, "field of study matches")),
    )
    favourable["area"] = _Reason(
        "area",
        col("area_match") == 1,
        _text(np.full(n, "城乡属地相符")),
        _text(np.full(n, "urban/rural registration matches the post")),
    )
    margin = col("age_margin")
    unfavourable.append(
        _Reason(
            "age",
            (margin >= 0) & (margin < 2),
            _text(np.full(n, "年龄接近岗位年龄限制")),
            _text(np.full(n, "age close to the post's age limit")),
        )
    )
    tier = col("tier")
    tier_text = _text(np.char.mod("%d", np.nan_to_num(tier, nan=0.0).astype(np.int64)))
    favourable["tier"] = _Reason(
        "tier", tier >= 1, "优先级第" + tier_text + "档", "priority tier " + tier_text
    )

    order = reason_order(importance)
    zh = pd.Series([""] * n, dtype="string")
    en = pd.Series([""] * n, dtype="string")
    shown = np.zeros(n, dtype=np.int64)

    def append(reason: _Reason, mask: npt.NDArray[np.bool_]) -> None:
        nonlocal zh, en
        mask = mask & np.asarray(reason.show, dtype=bool)
        if not mask.any():
            return
        empty = (zh == "").to_numpy()
        zh = zh.where(
            ~mask, zh + pd.Series(np.where(empty, "", _ZH_SEP), dtype="string") + reason.zh
        )
        en = en.where(
            ~mask, en + pd.Series(np.where(empty, "", _EN_SEP), dtype="string") + reason.en
        )

    for key in order:
        if key not in favourable:
            continue
        reason = favourable[key]
        mask = shown < _MAX_FAVOURABLE
        append(reason, mask)
        shown += (mask & np.asarray(reason.show, dtype=bool)).astype(np.int64)
    done = np.zeros(n, dtype=bool)
    for reason in sorted(unfavourable, key=lambda r: order.index(r.key)):
        append(reason, ~done)
        done |= np.asarray(reason.show, dtype=bool)
    gap_reason = _Reason(
        "skills",
        col("skills_missing") > 0,
        "技能缺口：" + missing_zh + "（可通过培训补足）",
        "skill gap: " + missing_en + " (training can close it)",
    )
    append(gap_reason, np.ones(n, dtype=bool))
    return pd.DataFrame(
        {
            "reasons_zh": zh.to_numpy(dtype=object),
            "reasons_en": en.to_numpy(dtype=object),
            "matched_skills": matched_zh.str.replace("、", "|").to_numpy(dtype=object),
            "missing_skills": missing_zh.str.replace("、", "|").to_numpy(dtype=object),
        },
        index=pairs.index,
    )
