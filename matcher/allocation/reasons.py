"""Reasons: why each placed seeker got their post, and why each unplaced seeker got none.

Computed from the problem and the chosen pairs with vectorised counts over the candidate arcs,
so it costs a few passes over the arrays even at province scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.allocation.problem import SEEKER_ID, AllocationProblem, BoolArray, IntArray
from matcher.allocation.result import ASSIGNMENT_COLUMNS, UNPLACED_COLUMNS

_PLACED_TEXT = {
    "optimal": "placed by the allocation with the largest total score under all constraints",
    "lexicographic": "placed under strict tier priority (most placements of higher tiers "
    "first), then the largest total score",
    "stable": "placed by deferred acceptance: no seeker of higher priority (tier, lottery) "
    "wanted this post more — no justified envy",
    "priority": "best post left at their turn in the priority order (tier, lottery, seeker id)",
    "lottery": "best post left at their turn in the lottery order",
}

_OUTRANKED_TEXT = {
    "optimal": "outranked by better-scoring seekers: every candidate post went to seekers whose "
    "placement gives a larger total score",
    "lexicographic": "outranked by better-scoring seekers of the same tier: every candidate "
    "post is full",
    "stable": "outranked: every candidate post is held by seekers of higher priority",
    "priority": "outranked: every candidate post was taken by seekers earlier in the order",
    "lottery": "outranked: every candidate post was taken by seekers earlier in the lottery",
}

# The mechanisms that order seekers by tier. Under the others (optimal: the total score;
# lottery: the draw) a full post held by a higher tier is not why a seeker was left out, so
# ``outranked_by_higher_tier`` is never given there.
TIERED_MECHANISMS: frozenset[str] = frozenset({"lexicographic", "stable", "priority"})

_NOT_PLACED_SCORE_TEXT = (
    "a candidate post has room, but placing this seeker does not raise the total score under "
    "the floors and guarantees"
)
_NOT_PLACED_TEXT = {"optimal": _NOT_PLACED_SCORE_TEXT, "lexicographic": _NOT_PLACED_SCORE_TEXT}
_NOT_PLACED_ORDER_TEXT = (
    "a candidate post has room, but the mechanism's constraints (floors, guarantees, reserves) "
    "kept this seeker out of it"
)


def choice_ranks(problem: AllocationProblem, chosen: IntArray) -> IntArray:
    """1-based rank of each chosen arc's post among its seeker's candidates (score descending,
    ties by post id ascending)."""
    post_order = problem.post_id_rank
    chosen_score = np.full(problem.n_seekers, np.nan)
    chosen_order = np.full(problem.n_seekers, -1, dtype=np.int64)
    chosen_score[problem.cand_seeker[chosen]] = problem.cand_score_scaled[chosen]
    chosen_order[problem.cand_seeker[chosen]] = post_order[problem.cand_post[chosen]]
    mine = chosen_score[problem.cand_seeker]
    better = (problem.cand_score_scaled > mine) | (
        (problem.cand_score_scaled == mine)
        & (post_order[problem.cand_post] < chosen_order[problem.cand_seeker])
    )
    ahead = np.bincount(problem.cand_seeker[better], minlength=problem.n_seekers)
    return ahead[problem.cand_seeker[chosen]] + 1


def placed_frame(
    problem: AllocationProblem,
    chosen: IntArray,
    mechanism: str,
    *,
    reserved_seat: BoolArray | None = None,
) -> pd.DataFrame:
    """A.csv rows: one per chosen arc, with tier, score, choice rank and reason.

    ``reserved_seat`` (per chosen arc) marks the reserved places of a reserves run: the ``seat``
    column says ``reserved`` or ``open``.
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    by_arc = np.argsort(chosen, kind="stable")
    chosen = chosen[by_arc]
    seekers = problem.cand_seeker[chosen]
    posts = problem.cand_post[chosen]
    codes = np.full(len(chosen), "placed", dtype=object)
    texts = np.full(len(chosen), _PLACED_TEXT[mechanism], dtype=object)
    if problem.family_guarantee and problem.family_names:
        guaranteed = np.zeros(len(problem.family_names), dtype=bool)
        guaranteed[problem.guaranteed_families()] = True
        family = problem.seeker_family[seekers]
        in_guaranteed = (family >= 0) & guaranteed[np.maximum(family, 0)]
        members_placed = np.bincount(family[family >= 0], minlength=len(problem.family_names))
        sole = in_guaranteed & (members_placed[np.maximum(family, 0)] == 1)
        codes[sole] = "family_guarantee"
        texts[sole] = (
            "placed as the only employed member of a zero-employment family (零就业家庭, "
            "guarantee of (三十九)); " + _PLACED_TEXT[mechanism]
        )
    frame = pd.DataFrame(
        {
            "seeker_id": problem.seekers[SEEKER_ID].to_numpy()[seekers],
            "post_id": problem.posts["post_id"].to_numpy()[posts],
            "city": problem.posts["city"].to_numpy()[posts],
            "tier": problem.seeker_tier[seekers],
            "score": problem.cand_score[chosen],
            "choice_rank": choice_ranks(problem, chosen),
            "mechanism": mechanism,
            "reason_code": codes,
            "reason": texts,
        },
        columns=list(ASSIGNMENT_COLUMNS),
    )
    if reserved_seat is not None:
        frame["seat"] = np.where(reserved_seat[by_arc], "reserved", "open").astype(object)
    return frame.sort_values("seeker_id", kind="stable").reset_index(drop=True)


def unplaced_frame(problem: AllocationProblem, chosen: IntArray, mechanism: str) -> pd.DataFrame:
    """U.csv rows: every seeker of the seekers table without a post, and why.

    Reason codes, checked in this order: ``no_candidate`` (no eligible post within reach),
    ``family_member_placed`` (one per family and a member holds a post), ``city_quota_used``
    (a candidate post has room but its city's quota is used up), ``outranked_by_higher_tier``
    (every candidate post is full and one holds a higher-tier seeker; only under the mechanisms
    that order by tier, :data:`TIERED_MECHANISMS`), ``outranked`` (every candidate post is full;
    the text says what outranked the seeker under ``mechanism``), ``not_placed_by_objective`` (a
    place remains, but placing the seeker does not improve the objective under the floors and
    guarantees).
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    placed = np.zeros(problem.n_seekers, dtype=bool)
    placed[problem.cand_seeker[chosen]] = True
    n_candidates = np.bincount(problem.cand_seeker, minlength=problem.n_seekers)
    best = np.full(problem.n_seekers, -np.inf)
    np.maximum.at(best, problem.cand_seeker, problem.cand_score)

    used = np.bincount(problem.cand_post[chosen], minlength=problem.n_posts)
    post_full = used >= problem.post_capacity
    city_used = np.bincount(
        problem.post_city[problem.cand_post[chosen]], minlength=len(problem.city_names)
    )
    city_full = (problem.city_cap >= 0) & (city_used >= problem.city_cap)
    top_tier = np.full(problem.n_posts, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(
        top_tier, problem.cand_post[chosen], problem.seeker_tier[problem.cand_seeker[chosen]]
    )

    arc_post = problem.cand_post
    arc_room = ~post_full[arc_post]
    arc_city_blocked = arc_room & city_full[problem.post_city[arc_post]]
    arc_free = arc_room & ~arc_city_blocked
    arc_higher = (
        post_full[arc_post]
        & (top_tier[arc_post] < problem.seeker_tier[problem.cand_seeker])
        & (mechanism in TIERED_MECHANISMS)
    )
    any_free = np.bincount(problem.cand_seeker[arc_free], minlength=problem.n_seekers) > 0
    any_city = np.bincount(problem.cand_seeker[arc_city_blocked], minlength=problem.n_seekers) > 0
    any_higher = np.bincount(problem.cand_seeker[arc_higher], minlength=problem.n_seekers) > 0

    family_has_placed = np.zeros(problem.n_seekers, dtype=bool)
    if problem.one_per_family and problem.family_names:
        family = problem.seeker_family
        members_placed = np.bincount(
            family[placed & (family >= 0)], minlength=len(problem.family_names)
        )
        family_has_placed = (family >= 0) & (members_placed[np.maximum(family, 0)] > 0)

    code = np.select(
        [
            n_candidates == 0,
            family_has_placed,
            any_city & ~any_free,
            ~any_free & any_higher,
            ~any_free,
        ],
        [
            "no_candidate",
            "family_member_placed",
            "city_quota_used",
            "outranked_by_higher_tier",
            "outranked",
        ],
        default="not_placed_by_objective",
    )
    text_of = {
        "no_candidate": "no eligible post within reach (no candidate pair)",
        "family_member_placed": "the family already has a member placed (at most one per family)",
        "city_quota_used": "the city's quota is used up (城市指标已满) for every candidate post "
        "with a free place",
        "outranked_by_higher_tier": "outranked by higher priority: every candidate post is full "
        "and held by seekers of a higher priority tier (优先级: a programme's tier, then its "
        "need index 需要程度)",
        "outranked": _OUTRANKED_TEXT[mechanism],
        "not_placed_by_objective": _NOT_PLACED_TEXT.get(mechanism, _NOT_PLACED_ORDER_TEXT),
    }
    keep = ~placed
    codes = code[keep]
    frame = pd.DataFrame(
        {
            "seeker_id": problem.seekers[SEEKER_ID].to_numpy()[keep],
            "tier": problem.seeker_tier[keep],
            "n_candidates": n_candidates[keep],
            "best_score": np.where(np.isfinite(best[keep]), best[keep], np.nan),
            "reason_code": codes,
            "reason": [text_of[c] for c in codes],
        },
        columns=list(UNPLACED_COLUMNS),
    )
    return frame.sort_values("seeker_id", kind="stable").reset_index(drop=True)
