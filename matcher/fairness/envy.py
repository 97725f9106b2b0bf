"""Justified envy and waste, counted over the candidate arcs with numpy (no loop over pairs).

A seeker ``s`` *prefers* a candidate post ``p`` to its outcome when ``s`` is unplaced (unplaced
counts as worst) or when ``score(s, p)`` beats the score of its own post, ties broken by post id
ascending (the preference order of :mod:`matcher.allocation.mechanisms`). Then

* ``(s, p)`` is a *justified envy* pair when ``p`` holds a seeker of lower priority than ``s``
  (priority: tier, then lottery, then seeker id, as in
  :meth:`~matcher.allocation.problem.AllocationProblem.priority_rank`);
* ``(s, p)`` is a *wasteful* pair when ``p`` has a free place.

A post's holders matter only through the worst priority among them and their number, so both
tests are per-arc comparisons against two per-post arrays: a few vectorised passes over the arcs,
done in chunks so memory stays bounded at 15 million arcs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.allocation.problem import POST_ID, SEEKER_ID, AllocationProblem, BoolArray, IntArray

# Arcs handled per pass: bounds the temporaries to a few tens of MB at province scale.
_CHUNK_ARCS = 2_000_000


@dataclass(frozen=True)
class EnvyCounts:
    """Justified envy and waste of one allocation.

    Attributes
    ----------
    justified_envy_pairs : int
        Candidate pairs (s, p) where s prefers p to its outcome and p holds a lower-priority seeker.
    wasteful_pairs : int
        Candidate pairs (s, p) where s prefers p to its outcome and p has a free place.
    seekers_with_justified_envy : int
        Seekers in at least one justified envy pair.
    seekers_with_waste : int
        Seekers in at least one wasteful pair.
    envy_by_seeker : IntArray
        Justified envy pairs per seeker (problem order).
    waste_by_post : IntArray
        Wasteful pairs per post (problem order): how many seekers would take its free places.
    """

    justified_envy_pairs: int
    wasteful_pairs: int
    seekers_with_justified_envy: int
    seekers_with_waste: int
    envy_by_seeker: IntArray
    waste_by_post: IntArray


def post_order(problem: AllocationProblem) -> IntArray:
    """Position of every post in post-id order: the tie-break of equal scores."""
    order = np.empty(problem.n_posts, dtype=np.int64)
    order[np.argsort(problem.posts[POST_ID].to_numpy(), kind="stable")] = np.arange(problem.n_posts)
    return order


def seeker_priority(problem: AllocationProblem) -> IntArray:
    """Priority rank of every seeker (problem order; 0 = highest): tier, lottery, seeker id."""
    rank = problem.priority_rank(use_tier=True)
    return rank.reindex(problem.seekers[SEEKER_ID]).to_numpy(dtype=np.int64)


def prefers_mask(
    problem: AllocationProblem,
    own_arc: IntArray,
    arcs: slice,
    order: IntArray,
) -> BoolArray:
    """For the arcs in ``arcs``: does the arc's seeker prefer the arc's post to its outcome?"""
    seeker = problem.cand_seeker[arcs]
    score = problem.cand_score_scaled[arcs]
    post = problem.cand_post[arcs]
    mine = own_arc[seeker]
    placed = mine >= 0
    safe = np.where(placed, mine, 0)
    my_score = problem.cand_score_scaled[safe]
    my_order = order[problem.cand_post[safe]]
    better = (score > my_score) | ((score == my_score) & (order[post] < my_order))
    return ~placed | better


def own_arcs(problem: AllocationProblem, chosen: IntArray) -> IntArray:
    """Chosen arc of every seeker, -1 when unplaced."""
    own = np.full(problem.n_seekers, -1, dtype=np.int64)
    own[problem.cand_seeker[chosen]] = chosen
    return own


def count_envy_and_waste(problem: AllocationProblem, chosen: IntArray) -> EnvyCounts:
    """Count justified envy and wasteful pairs of the allocation given by ``chosen`` arcs.

    Parameters
    ----------
    problem : AllocationProblem
        The validated instance (seekers, posts, candidate arcs).
    chosen : IntArray
        Indices of the candidate arcs that are placements (at most one per seeker).

    Returns
    -------
    EnvyCounts
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    order = post_order(problem)
    priority = seeker_priority(problem)
    own = own_arcs(problem, chosen)
    held = np.bincount(problem.cand_post[chosen], minlength=problem.n_posts)
    worst_holder = np.full(problem.n_posts, -1, dtype=np.int64)
    np.maximum.at(worst_holder, problem.cand_post[chosen], priority[problem.cand_seeker[chosen]])
    free = held < problem.post_capacity

    envy_by_seeker = np.zeros(problem.n_seekers, dtype=np.int64)
    waste_by_seeker = np.zeros(problem.n_seekers, dtype=np.int64)
    waste_by_post = np.zeros(problem.n_posts, dtype=np.int64)
    for start in range(0, problem.n_candidates, _CHUNK_ARCS):
        arcs = slice(start, min(start + _CHUNK_ARCS, problem.n_candidates))
        prefers = prefers_mask(problem, own, arcs, order)
        seeker = problem.cand_seeker[arcs]
        post = problem.cand_post[arcs]
        envy = prefers & (worst_holder[post] > priority[seeker])
        waste = prefers & free[post]
        envy_by_seeker += np.bincount(seeker[envy], minlength=problem.n_seekers)
        waste_by_seeker += np.bincount(seeker[waste], minlength=problem.n_seekers)
        waste_by_post += np.bincount(post[waste], minlength=problem.n_posts)
    return EnvyCounts(
        justified_envy_pairs=int(envy_by_seeker.sum()),
        wasteful_pairs=int(waste_by_seeker.sum()),
        seekers_with_justified_envy=int((envy_by_seeker > 0).sum()),
        seekers_with_waste=int((waste_by_seeker > 0).sum()),
        envy_by_seeker=envy_by_seeker,
        waste_by_post=waste_by_post,
    )


def choice_ranks(problem: AllocationProblem, chosen: IntArray) -> IntArray:
    """1-based rank of each chosen arc's post in its seeker's preference list (same order as the
    mechanisms: score descending, ties by post id)."""
    chosen = np.asarray(chosen, dtype=np.int64)
    order = post_order(problem)
    own = own_arcs(problem, chosen)
    ahead = np.zeros(problem.n_seekers, dtype=np.int64)
    for start in range(0, problem.n_candidates, _CHUNK_ARCS):
        arcs = slice(start, min(start + _CHUNK_ARCS, problem.n_candidates))
        seeker = problem.cand_seeker[arcs]
        # Only placed seekers have a rank; an unplaced seeker "prefers" every arc.
        better = prefers_mask(problem, own, arcs, order) & (own[seeker] >= 0)
        ahead += np.bincount(seeker[better], minlength=problem.n_seekers)
    return ahead[problem.cand_seeker[chosen]] + 1
