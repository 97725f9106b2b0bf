"""Matching mechanisms: seeker-proposing deferred acceptance and serial dictatorship.

Both are pure functions of an :class:`~matcher.allocation.problem.AllocationProblem`'s arrays:
candidate arcs with scores, post capacities, the common priority order of the seekers and, for
serial dictatorship, the city caps. They return the chosen candidate arcs (:class:`Matching`).
The frames were validated and encoded once, by :func:`~matcher.allocation.problem.build_problem`.

* :func:`deferred_acceptance` is seeker-proposing deferred acceptance (Gale–Shapley, Roth's
  hospital–resident form). Every post ranks seekers by the same priority; the result is the
  unique seeker-optimal stable matching. With :class:`~matcher.allocation.problem.ReservedPlaces`
  each post's choice function holds some of its places for a group (Hafalir–Yenmez–Yildirim
  minority reserves, the Chicago exam-school and Indian reservation systems); DA stays well
  defined because that choice function is substitutable (it fills "slots" in a fixed precedence
  order, each slot with its own strict priority: Kominers and Sönmez's slot-specific priorities).
* :func:`serial_dictatorship` lets seekers choose in order, each taking their best remaining
  acceptable post, under the problem's city caps.

A seeker prefers higher scores, ties broken by lower ``post_id``; priority ties do not exist
(:meth:`~matcher.allocation.problem.AllocationProblem.priority_order` is strict).

Both run the same engine: seekers proposing in vectorised rounds over dense integer arrays. All
free seekers propose at once to their next acceptable post; each post (or city, for capped serial
dictatorship) keeps the best applicants its choice function allows, with a per-round
``argsort`` of (post, priority) keys, and rejects the rest, who move one step down their list.
Serial dictatorship is the same computation because, when every post ranks seekers by one common
order, the unique stable matching *is* the serial-dictatorship outcome (each seeker, in order,
ends at the best post not taken by those before them); city caps make a city a second, nested
capacity in that common order, whose greedy choice function is still substitutable.

Speed comes from two facts of seeker-proposing DA: a post's set of applicants only grows, and
with substitutable choice functions an applicant rejected once is rejected from every larger set.
So each post (and city) keeps a *cutoff*, the priority rank of its worst holder while it is full;
a proposal worse than the cutoff is skipped without touching the post, and the cutoff only
tightens (with reserves, members have a cutoff of their own). Most of the 15 million arcs of a
province-scale run are skipped this way in cheap vectorised passes instead of being sorted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.allocation.problem import (
    AllocationProblem,
    BoolArray,
    FloatArray,
    IntArray,
    ReservedPlaces,
    ReserveOrder,
    ReserveSpec,
)

# ReserveSpec and ReserveOrder are the mechanism's input vocabulary; they live with the problem
# (which encodes them) and are re-exported here for callers that name the mechanism.
__all__ = [
    "Matching",
    "ReserveOrder",
    "ReserveSpec",
    "deferred_acceptance",
    "serial_dictatorship",
]

# The per-seeker preference sort uses a dense (seekers x longest list) matrix when it is at most
# this many times the number of arcs; a few very long lists fall back to a global sort instead.
_MAX_PADDING_FACTOR = 4
_PADDING_ALLOWANCE = 1_000_000


@dataclass(frozen=True)
class Matching:
    """What a matching mechanism chose, on the problem's encoding.

    Attributes
    ----------
    chosen : array of int
        The candidate arc of every placed seeker, by ascending seeker code.
    choice_rank : array of int
        Position of each chosen post in its seeker's preference list (1 = best).
    reserved_seat : array of bool or None
        With reserves: whether each chosen arc holds a reserved place (a group member in a
        reserved place; a reserved place that reverted to a non-member counts as open).
    """

    chosen: IntArray
    choice_rank: IntArray
    reserved_seat: BoolArray | None = None


@dataclass(frozen=True)
class _Market:
    """Each seeker's acceptable arcs in preference order, with what the engine reads.

    ``arc[start[s] : start[s] + length[s]]`` are seeker ``s``'s candidate arcs, best first, and
    ``arc_post`` their posts (problem codes).
    """

    arc: IntArray
    arc_post: IntArray
    start: IntArray
    length: IntArray
    capacity: IntArray
    rank: IntArray  # strict priority rank per seeker code, 0 = first


def _market(problem: AllocationProblem, *, use_tier: bool) -> _Market:
    arc, start, length = _preference_lists(
        problem.cand_seeker,
        problem.post_id_rank[problem.cand_post],
        problem.cand_score,
        problem.n_seekers,
        problem.n_posts,
    )
    return _Market(
        arc=arc,
        arc_post=problem.cand_post[arc],
        start=start,
        length=length,
        capacity=problem.post_capacity,
        rank=problem.priority_order(use_tier=use_tier),
    )


def deferred_acceptance(
    problem: AllocationProblem, *, reserves: ReservedPlaces | None = None
) -> Matching:
    """Seeker-proposing deferred acceptance: the seeker-optimal stable matching.

    A seeker prefers higher score (ties: lower ``post_id`` first); every post ranks seekers by
    (tier, lottery, seeker id). Only candidate pairs are acceptable, to both sides. The result
    has no blocking pair (no seeker and post that both prefer each other to what they got) and
    every seeker weakly prefers it to every other stable matching.

    Parameters
    ----------
    problem : AllocationProblem
        Its city caps, floors and family rules are not honoured here; ``allocate`` rejects them
        for this mechanism.
    reserves : ReservedPlaces, optional
        Places reserved for a group, with the processing order
        (:func:`~matcher.allocation.problem.encode_reserves`). The result is then stable with
        respect to the posts' reserve choice functions: no seeker prefers a post that would
        choose them from its holders plus them.

    Returns
    -------
    Matching
    """
    market = _market(problem, use_tier=True)
    if reserves is None:
        held_post, ptr, _ = _propose(market)
        return _matching(market, held_post, ptr, None)
    held_post, ptr, seat_reserved = _propose(
        market, reserve=(reserves.member, reserves.reserved, reserves.reserved_first)
    )
    return _matching(market, held_post, ptr, seat_reserved)


def serial_dictatorship(problem: AllocationProblem, *, use_tier: bool = True) -> Matching:
    """Serial dictatorship: seekers choose in order, each the best remaining acceptable post.

    Parameters
    ----------
    problem : AllocationProblem
        A seeker skips posts whose city cap is used up; cities without a cap are uncapped.
    use_tier : bool
        Order by (tier, lottery, seeker id) (``priority``) or by (lottery, seeker id)
        (``lottery``).

    Returns
    -------
    Matching
    """
    market = _market(problem, use_tier=use_tier)
    cities = _cities(problem) if bool((problem.city_cap >= 0).any()) else None
    held_post, ptr, _ = _propose(market, cities=cities)
    return _matching(market, held_post, ptr, None)


# --- the engine ----------------------------------------------------------------------------------


def _top_k(groups: IntArray, keys: IntArray, key_span: int, k: IntArray) -> BoolArray:
    """Mask of the elements among the ``k[g]`` smallest ``keys`` within their group ``g``.

    ``keys`` must be distinct within a group and lie in ``[0, key_span)``, so one ``argsort`` of
    a combined int64 key orders by (group, key) -- much faster than ``lexsort``.
    """
    if groups.size == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(groups * key_span + keys)
    sorted_groups = groups[order]
    position = np.arange(sorted_groups.size)
    first = np.ones(sorted_groups.size, dtype=bool)
    first[1:] = sorted_groups[1:] != sorted_groups[:-1]
    group_start = np.maximum.accumulate(np.where(first, position, 0))
    chosen = np.empty(sorted_groups.size, dtype=bool)
    chosen[order] = (position - group_start) < k[sorted_groups]
    return chosen


@dataclass(frozen=True)
class _Cities:
    """City caps as nested capacities: ``unit[post]`` is the post's capped city, or a unit of its
    own (uncapped) for posts outside every capped city."""

    unit: IntArray
    cap: IntArray


def _propose(
    market: _Market,
    *,
    cities: _Cities | None = None,
    reserve: tuple[BoolArray, IntArray, bool] | None = None,
) -> tuple[IntArray, IntArray, BoolArray]:
    """Run seeker-proposing deferred acceptance in vectorised rounds.

    Returns per seeker code the held post (-1 if unplaced), the index in the seeker's list of the
    post last proposed to, and whether the seeker holds a reserved seat.
    """
    arc_post, start, length = market.arc_post, market.start, market.length
    capacity, rank = market.capacity, market.rank
    n_seekers, n_posts = rank.size, capacity.size
    # A rank never reached: "everyone qualifies" for a post that is not full.
    open_cutoff = n_seekers

    ptr = np.zeros(n_seekers, dtype=np.int64)
    held_post = np.full(n_seekers, -1, dtype=np.int64)
    seat_reserved = np.zeros(n_seekers, dtype=bool)
    held = np.zeros(0, dtype=np.int64)  # seeker codes currently holding a post

    if cities is None:
        unit = np.arange(n_posts, dtype=np.int64)
        unit_cap = None
    else:
        unit, unit_cap = cities.unit, cities.cap
    n_units = n_posts if unit_cap is None else unit_cap.size
    touched = np.zeros(n_units, dtype=bool)

    # Cutoffs: a proposal with rank >= its cutoff is certain to be rejected. A full post rejects
    # anyone worse than all its holders -- except, with reserves, a member while some reserved
    # place has reverted to a non-member (the member would take it back), so members get their
    # own cutoff, set only once every reserved place is held by a member.
    post_cutoff = np.where(capacity > 0, open_cutoff, -1).astype(np.int64)
    member_cutoff = post_cutoff.copy() if reserve is not None else None
    unit_cutoff = (
        np.where(unit_cap > 0, open_cutoff, -1).astype(np.int64) if unit_cap is not None else None
    )

    def choose(pool: IntArray, pool_post: IntArray) -> tuple[BoolArray, BoolArray]:
        pool_rank = rank[pool]
        if reserve is None:
            accepted = _top_k(pool_post, pool_rank, n_seekers, capacity)
            if unit_cap is not None:
                # Greedy in the common order: a post keeps its best applicants up to capacity,
                # then the city keeps the best of those up to its cap.
                inside = np.flatnonzero(accepted)
                accepted[inside] = _top_k(
                    unit[pool_post[inside]], pool_rank[inside], n_seekers, unit_cap
                )
            return accepted, np.zeros(pool.size, dtype=bool)
        member, reserved, reserved_first = reserve
        is_member = member[pool]
        # Members ahead of non-members: the slot priority of a reserved place (non-members only
        # take it when no member is left, which is the reversion to open).
        member_key = np.where(is_member, 0, n_seekers) + pool_rank
        if reserved_first:
            in_reserved = _top_k(pool_post, member_key, 2 * n_seekers, reserved) & is_member
            taken = np.bincount(pool_post[in_reserved], minlength=n_posts)
            rest = np.flatnonzero(~in_reserved)
            accepted = in_reserved.copy()
            accepted[rest] = _top_k(pool_post[rest], pool_rank[rest], n_seekers, capacity - taken)
            return accepted, in_reserved
        in_open = _top_k(pool_post, pool_rank, n_seekers, capacity - reserved)
        rest = np.flatnonzero(~in_open)
        in_reserved_slot = np.zeros(pool.size, dtype=bool)
        in_reserved_slot[rest] = _top_k(pool_post[rest], member_key[rest], 2 * n_seekers, reserved)
        return in_open | in_reserved_slot, in_reserved_slot & is_member

    def next_proposals(seekers: IntArray) -> tuple[IntArray, IntArray]:
        """Move each seeker past the posts certain to reject them, without touching those posts;
        return the seekers with a post left to propose to, and that post.

        Seekers' next few arcs are tested as a block (contiguous in ``arc_post``, so cheap to
        gather); those whose block is all doomed go round again with a block twice as long.
        """
        proposing, proposed = [], []
        block = 4
        while seekers.size:
            first = start[seekers] + ptr[seekers]
            end = (start[seekers] + length[seekers])[:, None]
            arcs = first[:, None] + np.arange(block)
            inside = arcs < end
            posts = arc_post[np.minimum(arcs, end - 1)]
            seeker_rank = rank[seekers][:, None]
            cutoff = post_cutoff[posts]
            if reserve is not None and member_cutoff is not None:
                cutoff = np.where(reserve[0][seekers][:, None], member_cutoff[posts], cutoff)
            alive = inside & (seeker_rank < cutoff)
            if unit_cutoff is not None:
                alive &= seeker_rank < unit_cutoff[unit[posts]]
            found = alive.any(axis=1)
            step = np.argmax(alive[found], axis=1)
            ptr[seekers[found]] += step
            proposing.append(seekers[found])
            proposed.append(posts[found, step])
            seekers = seekers[~found]
            ptr[seekers] = np.minimum(ptr[seekers] + block, length[seekers])
            seekers = seekers[ptr[seekers] < length[seekers]]
            block = min(2 * block, 64)
        if not proposing:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(proposing), np.concatenate(proposed)

    free, posts = next_proposals(np.flatnonzero(length > 0))
    while free.size:
        # Each post (city) reconsiders its holders together with its new applicants.
        touched[unit[posts]] = True
        held_units = unit[held_post[held]]
        involved = touched[held_units]
        pool = np.concatenate([held[involved], free])
        pool_post = np.concatenate([held_post[held[involved]], posts])
        accepted, reserved_seat = choose(pool, pool_post)

        winners, losers = pool[accepted], pool[~accepted]
        held_post[losers] = -1
        seat_reserved[losers] = False
        ptr[losers] += 1
        held_post[winners] = pool_post[accepted]
        seat_reserved[winners] = reserved_seat[accepted]
        held = np.concatenate([held[~involved], winners])

        # A full post's cutoff is its worst holder; rejections are permanent (substitutable
        # choice, growing applicant sets), so a cutoff may only tighten.
        winner_post = pool_post[accepted]
        winner_rank = rank[winners]
        count = np.bincount(winner_post, minlength=n_posts)
        worst = np.full(n_posts, -1, dtype=np.int64)
        np.maximum.at(worst, winner_post, winner_rank)
        full_now = touched[unit] & (count >= capacity)
        post_cutoff[full_now] = np.minimum(post_cutoff[full_now], worst[full_now])
        if reserve is not None and member_cutoff is not None:
            members_reserved = np.bincount(winner_post[reserved_seat[accepted]], minlength=n_posts)
            settled = full_now & (members_reserved >= reserve[1])
            member_cutoff[settled] = np.minimum(member_cutoff[settled], worst[settled])
        if unit_cap is not None and unit_cutoff is not None:
            winner_unit = unit[winner_post]
            unit_count = np.bincount(winner_unit, minlength=n_units)
            unit_worst = np.full(n_units, -1, dtype=np.int64)
            np.maximum.at(unit_worst, winner_unit, winner_rank)
            unit_full = touched & (unit_count >= unit_cap)
            unit_cutoff[unit_full] = np.minimum(unit_cutoff[unit_full], unit_worst[unit_full])
        touched[:] = False
        free, posts = next_proposals(losers[ptr[losers] < length[losers]])

    return held_post, ptr, seat_reserved


def _matching(
    market: _Market, held_post: IntArray, ptr: IntArray, seat_reserved: BoolArray | None
) -> Matching:
    placed = np.flatnonzero(held_post >= 0)
    # A held seeker's pointer stays on the arc it proposed along.
    return Matching(
        chosen=market.arc[market.start[placed] + ptr[placed]],
        choice_rank=ptr[placed] + 1,
        reserved_seat=None if seat_reserved is None else seat_reserved[placed],
    )


# --- preference lists ----------------------------------------------------------------------------


def _preference_lists(
    seeker_code: IntArray,
    post_key: IntArray,
    score: FloatArray,
    n_seekers: int,
    n_posts: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """Each seeker's acceptable arcs, best first: score descending, then post key ascending.

    ``post_key`` ranks each arc's post (by ``post_id``, in ``[0, n_posts)``). Returns the arc
    index at every position of the lists (seekers one after another), each seeker's first
    position and list length. (Pairs are distinct: ``build_problem`` rejected repeats.)

    A global three-key ``lexsort`` of 15 million arcs takes ~9 s here, and row-wise ``argsort``
    of a padded (seeker x list) matrix still over 1 s per key. So each key is packed with a small
    column index into one int64 and the rows are sorted with ``np.sort`` (SIMD, ~0.1 s):
    first (post, column) to order by post, then (score, column) with the score's lowest bits
    dropped to make room for the column. The few rows where two different scores lose their
    difference to that truncation are re-sorted exactly.
    """
    n_arcs = seeker_code.size
    by_seeker: IntArray | None = None
    if n_arcs and bool(np.any(seeker_code[1:] < seeker_code[:-1])):
        by_seeker = np.argsort(seeker_code, kind="stable")
        seeker_code, post_key, score = (
            seeker_code[by_seeker],
            post_key[by_seeker],
            score[by_seeker],
        )
    length = np.bincount(seeker_code, minlength=n_seekers).astype(np.int64)
    start = np.zeros(n_seekers, dtype=np.int64)
    np.cumsum(length[:-1], out=start[1:])

    def original(position: IntArray) -> IntArray:
        """Arc indices of positions in the seeker-sorted arcs."""
        return position if by_seeker is None else by_seeker[position]

    width = int(length.max()) if n_arcs else 0
    if n_seekers * width > _MAX_PADDING_FACTOR * n_arcs + _PADDING_ALLOWANCE:
        # A few very long lists: padding would cost more than one global sort.
        return original(np.lexsort((post_key, -score, seeker_code))), start, length

    # One row per seeker, padded at the end with post n_posts (after every post) and score -inf.
    if n_arcs == n_seekers * width:
        posts = post_key.reshape(n_seekers, width)
        scores = score.reshape(n_seekers, width)
    else:
        cell = seeker_code * width + (np.arange(n_arcs) - start[seeker_code])
        padded_posts = np.full(n_seekers * width, n_posts, dtype=np.int64)
        padded_posts[cell] = post_key
        posts = padded_posts.reshape(n_seekers, width)
        padded_scores = np.full(n_seekers * width, -np.inf)
        padded_scores[cell] = score
        scores = padded_scores.reshape(n_seekers, width)
    column_bits = max(1, (width - 1).bit_length())
    column_mask = (1 << column_bits) - 1
    column = np.arange(width, dtype=np.int64)

    # Columns in post order: the score sort below keeps that order among equal scores.
    by_post = (posts << column_bits) | column
    by_post.sort(axis=1)
    by_post &= column_mask
    post_sorted_scores = np.take_along_axis(scores, by_post, axis=1)

    # Order-preserving map of float64 to uint64, complemented so the best score sorts first;
    # + 0.0 turns -0.0 into 0.0 so that equal scores pack equally.
    bits = (post_sorted_scores + 0.0).view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(bool)
    descending = np.where(negative, bits, ~(bits | np.uint64(1 << 63)))
    del bits, negative
    mask = np.uint64(column_mask)
    by_score = (descending & ~mask) | column.astype(np.uint64)
    del descending
    by_score.sort(axis=1)
    truncated = by_score >> np.uint64(column_bits)
    position = (by_score & mask).astype(np.int64)
    del by_score
    row, col = np.nonzero(truncated[:, 1:] == truncated[:, :-1])
    del truncated
    unequal = (
        post_sorted_scores[row, position[row, col]]
        != post_sorted_scores[row, position[row, col + 1]]
    )
    inexact = np.unique(row[unequal])
    if inexact.size:
        position[inexact] = np.argsort(-post_sorted_scores[inexact], axis=1, kind="stable")
    del post_sorted_scores
    ranked = start[:, None] + np.take_along_axis(by_post, position, axis=1)
    if n_arcs == n_seekers * width:
        return original(ranked.ravel()), start, length
    return original(ranked[column < length[:, None]]), start, length


def _cities(problem: AllocationProblem) -> _Cities:
    """City caps as nested capacities; posts of uncapped cities each form a unit of their own
    (sharing one would pull every holder of the city into each round's pool)."""
    capped = problem.city_cap[problem.post_city] >= 0
    own_unit = len(problem.city_names) + np.arange(problem.n_posts, dtype=np.int64)
    uncapped = np.iinfo(np.int64).max // 4
    return _Cities(
        unit=np.where(capped, problem.post_city, own_unit),
        cap=np.concatenate(
            [
                np.where(problem.city_cap >= 0, problem.city_cap, uncapped),
                np.full(problem.n_posts, uncapped, dtype=np.int64),
            ]
        ),
    )
