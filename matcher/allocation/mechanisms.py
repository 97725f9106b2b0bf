"""Matching mechanisms: seeker-proposing deferred acceptance and serial dictatorship.

Both are pure functions of the candidate table (``seeker_id``, ``post_id``, ``score``), the post
capacities and one priority order over seekers; they return one row per placed seeker.

* :func:`deferred_acceptance` is seeker-proposing deferred acceptance (Gale–Shapley, Roth's
  hospital–resident form). Every post ranks seekers by the same ``priority``; the result is the
  unique seeker-optimal stable matching. With a :class:`ReserveSpec` each post's choice function
  holds some of its places for a group (Hafalir–Yenmez–Yildirim minority reserves, the Chicago
  exam-school and Indian reservation systems); DA stays well defined because that choice function
  is substitutable (it fills "slots" in a fixed precedence order, each slot with its own strict
  priority: Kominers and Sönmez's slot-specific priorities).
* :func:`serial_dictatorship` lets seekers choose in ``order``, each taking their best remaining
  acceptable post, optionally under per-city caps.

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
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher.allocation.problem import POST_ID, SCORE, SEEKER_ID
from matcher.errors import DataValidationError, MatcherError, Problem

#: Output column: position of the placed post in the seeker's own preference list (1 = best).
CHOICE_RANK = "choice_rank"
#: Output column with reserves: ``reserved`` or ``open``, the kind of place the seeker holds.
SEAT = "seat"
SEAT_RESERVED = "reserved"
SEAT_OPEN = "open"

ReserveOrder = Literal["reserved_first", "reserved_last"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# At most this many bad rows are named per rule; a broken 15-million-row table should give a
# readable message, not millions of lines.
_MAX_PROBLEMS_PER_RULE = 20
# The per-seeker preference sort uses a dense (seekers x longest list) matrix when it is at most
# this many times the number of arcs; a few very long lists fall back to a global sort instead.
_MAX_PADDING_FACTOR = 4
_PADDING_ALLOWANCE = 1_000_000


@dataclass(frozen=True, eq=False)
class ReserveSpec:
    """Places of each post reserved for a group, and the order in which they are filled.

    Parameters
    ----------
    group : pd.Series
        Boolean, indexed by ``seeker_id``: True for members of the group the places are reserved
        for (e.g. members of zero-employment families). Seekers not in the index are not members.
    reserved : pd.Series
        Integer, indexed by ``post_id``: how many of the post's places are reserved, between 0 and
        the post's capacity. Posts not in the index reserve nothing.
    order : {"reserved_first", "reserved_last"}
        How a post chooses among its applicants (each side by the common priority):

        - ``reserved_first``: fill the reserved places with the best group members, then the
          open places with the best of everyone remaining;
        - ``reserved_last``: fill the open places with the best of everyone, then the reserved
          places with the best remaining group members.

        Either way, reserved places that group members do not fill revert to open places and go
        to the best remaining applicants (minority reserves, not quotas: no place is left empty
        for want of a member). The two orders differ in who gets in: with ``reserved_last`` a
        member good enough for an open place takes one, leaving the reserved places to further
        members, so at a given post it admits at least as many members as ``reserved_first``,
        in which high-priority members use up the reserved places themselves (Dur, Kominers,
        Pathak and Sönmez, "Reserve design", 2018). Example: 2 places, 1 reserved, priority
        member m1 > non-member n1 > member m2: ``reserved_first`` admits m1 and n1,
        ``reserved_last`` admits m1 and m2.
    """

    group: pd.Series
    reserved: pd.Series
    order: ReserveOrder = "reserved_first"

    def __post_init__(self) -> None:
        if self.order not in get_args(ReserveOrder):
            raise MatcherError(
                f"The 'order' parameter of ReserveSpec must be one of {get_args(ReserveOrder)}. "
                f"Got {self.order!r} instead."
            )


@dataclass(frozen=True)
class _Market:
    """Dense integer encoding of one instance: seekers and posts as codes ``0..n-1``.

    ``arc_post[start[s] : start[s] + length[s]]`` are seeker ``s``'s acceptable posts, best first.
    Post codes follow ``post_id`` ascending, seeker codes ``seeker_id`` ascending.
    """

    seeker_ids: pd.Index
    post_ids: pd.Index
    arc_post: IntArray
    start: IntArray
    length: IntArray
    capacity: IntArray
    rank: IntArray  # strict priority rank per seeker code, 0 = first


def deferred_acceptance(
    candidates: pd.DataFrame,
    capacity: pd.Series,
    priority: pd.Series,
    *,
    reserves: ReserveSpec | None = None,
) -> pd.DataFrame:
    """Seeker-proposing deferred acceptance: the seeker-optimal stable matching.

    A seeker prefers higher ``score`` (ties: lower ``post_id`` first); every post ranks seekers by
    ``priority``. Only pairs in ``candidates`` are acceptable, to both sides. The result has no
    blocking pair (no seeker and post that both prefer each other to what they got) and every
    seeker weakly prefers it to every other stable matching.

    Parameters
    ----------
    candidates : pd.DataFrame
        Columns ``seeker_id``, ``post_id``, ``score`` (higher is better); one row per acceptable
        pair, no pair twice.
    capacity : pd.Series
        Places per post (integer >= 0), indexed by ``post_id``; every candidate post must appear.
    priority : pd.Series
        Integer rank per seeker, indexed by ``seeker_id`` (0 = highest priority); every candidate
        seeker must appear. Equal ranks are broken by ``seeker_id`` ascending.
    reserves : ReserveSpec, optional
        Places reserved for a group, with the processing order; see :class:`ReserveSpec`. The
        result is then stable with respect to the posts' reserve choice functions: no seeker
        prefers a post that would choose them from its holders plus them.

    Returns
    -------
    pd.DataFrame
        One row per placed seeker, sorted by ``seeker_id``: ``seeker_id``, ``post_id``,
        ``choice_rank`` (1 = the seeker's best candidate), and with reserves ``seat``
        (``reserved`` for a group member in a reserved place, else ``open``; a reserved place
        that reverted to a non-member counts as ``open``).

    Raises
    ------
    DataValidationError
        If a column is missing, an id is unknown or duplicated, a score is not a number, or a
        capacity or reserve is not an integer in range.
    """
    market = _encode(candidates, capacity, priority, priority_name="priority")
    if reserves is None:
        held_post, ptr, _ = _propose(market)
        return _result(market, held_post, ptr, None)
    member, reserved = _encode_reserves(reserves, market)
    held_post, ptr, seat_reserved = _propose(
        market, reserve=(member, reserved, reserves.order == "reserved_first")
    )
    return _result(market, held_post, ptr, seat_reserved)


def serial_dictatorship(
    candidates: pd.DataFrame,
    capacity: pd.Series,
    order: pd.Series,
    *,
    post_city: pd.Series | None = None,
    city_cap: pd.Series | None = None,
) -> pd.DataFrame:
    """Serial dictatorship: seekers choose in ``order``, each the best remaining acceptable post.

    Parameters
    ----------
    candidates : pd.DataFrame
        Columns ``seeker_id``, ``post_id``, ``score`` (higher is better; ties: lower ``post_id``
        first); one row per acceptable pair, no pair twice.
    capacity : pd.Series
        Places per post (integer >= 0), indexed by ``post_id``; every candidate post must appear.
    order : pd.Series
        Integer rank per seeker, indexed by ``seeker_id`` (0 = chooses first); every candidate
        seeker must appear. Equal ranks are broken by ``seeker_id`` ascending.
    post_city : pd.Series, optional
        City of each post, indexed by ``post_id``; needed with ``city_cap``. Posts not in it are
        not under any city cap.
    city_cap : pd.Series, optional
        Most placements per city (integer >= 0), indexed by city. A seeker skips posts whose city
        cap is used up. Cities not in it are uncapped. Cities are matched by their text, so
        ``2101`` and ``"2101"`` are the same city.

    Returns
    -------
    pd.DataFrame
        One row per placed seeker, sorted by ``seeker_id``: ``seeker_id``, ``post_id``,
        ``choice_rank`` (1 = the seeker's best candidate).

    Raises
    ------
    DataValidationError
        As :func:`deferred_acceptance`, and for a city cap that is not an integer >= 0 or given
        without ``post_city``.
    """
    market = _encode(candidates, capacity, order, priority_name="order")
    cities = _encode_cities(post_city, city_cap, market) if city_cap is not None else None
    held_post, ptr, _ = _propose(market, cities=cities)
    return _result(market, held_post, ptr, None)


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


def _result(
    market: _Market, held_post: IntArray, ptr: IntArray, seat_reserved: BoolArray | None
) -> pd.DataFrame:
    placed = np.flatnonzero(held_post >= 0)  # seeker codes ascend with seeker_id
    columns: dict[str, object] = {
        SEEKER_ID: market.seeker_ids.take(placed),
        POST_ID: market.post_ids.take(held_post[placed]),
        CHOICE_RANK: ptr[placed] + 1,
    }
    if seat_reserved is not None:
        columns[SEAT] = np.where(seat_reserved[placed], SEAT_RESERVED, SEAT_OPEN)
    return pd.DataFrame(columns)


# --- encoding and validation ---------------------------------------------------------------------


def _bad_rows(
    file: str, column: str, mask: BoolArray, values: np.ndarray, rule: str
) -> list[Problem]:
    """Problems for the first rows flagged in ``mask`` (spreadsheet rows: data starts at 2)."""
    rows = np.flatnonzero(mask)
    problems = [
        Problem(file, int(row) + 2, column, str(values[row]), rule)
        for row in rows[:_MAX_PROBLEMS_PER_RULE]
    ]
    if rows.size > _MAX_PROBLEMS_PER_RULE:
        problems.append(Problem(file, None, column, None, f"{rule} ({rows.size} rows in all)"))
    return problems


def _check_index(file: str, series: pd.Series, column: str) -> list[Problem]:
    duplicated = series.index.duplicated().astype(bool)
    return _bad_rows(file, column, duplicated, series.index.to_numpy(), "duplicate id")


def _integer_values(file: str, series: pd.Series, column: str, problems: list[Problem]) -> IntArray:
    """The values as int64, adding a problem for each missing, fractional or negative value."""
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    problems.extend(_bad_rows(file, column, bad, series.to_numpy(), "must be an integer >= 0"))
    return np.where(bad, 0, values).astype(np.int64)


def _encode(
    candidates: pd.DataFrame, capacity: pd.Series, priority: pd.Series, *, priority_name: str
) -> _Market:
    missing = [c for c in (SEEKER_ID, POST_ID, SCORE) if c not in candidates.columns]
    if missing:
        raise DataValidationError(
            Problem("candidates", None, c, None, "required column is missing") for c in missing
        )
    problems: list[Problem] = []
    problems += _check_index("capacity", capacity, POST_ID)
    problems += _check_index(priority_name, priority, SEEKER_ID)
    capacity = capacity.sort_index()
    capacity_values = _integer_values("capacity", capacity, "capacity", problems)
    priority = priority.sort_index()
    priority_values = pd.to_numeric(priority, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    problems += _bad_rows(
        priority_name,
        priority_name,
        np.isnan(priority_values),
        priority.to_numpy(),
        "must be a number",
    )
    if problems:
        raise DataValidationError(problems)

    seeker_ids, post_ids = priority.index, capacity.index
    seeker_code = seeker_ids.get_indexer(pd.Index(candidates[SEEKER_ID])).astype(
        np.int64, copy=False
    )
    post_code = post_ids.get_indexer(pd.Index(candidates[POST_ID])).astype(np.int64, copy=False)
    score = pd.to_numeric(candidates[SCORE], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    problems += _bad_rows(
        "candidates",
        SEEKER_ID,
        seeker_code < 0,
        candidates[SEEKER_ID].to_numpy(),
        f"seeker not in the {priority_name}",
    )
    problems += _bad_rows(
        "candidates",
        POST_ID,
        post_code < 0,
        candidates[POST_ID].to_numpy(),
        "post not in the capacity table",
    )
    problems += _bad_rows(
        "candidates", SCORE, np.isnan(score), candidates[SCORE].to_numpy(), "must be a number"
    )
    if problems:
        raise DataValidationError(problems)

    n_seekers = len(seeker_ids)
    # Strict priority: rank, then seeker_id (the index is sorted, so position is the id order).
    rank = np.empty(n_seekers, dtype=np.int64)
    rank[np.lexsort((np.arange(n_seekers), priority_values))] = np.arange(n_seekers)

    arc_post, start, length, repeated = _preference_lists(
        seeker_code, post_code, score, n_seekers, len(post_ids)
    )
    if repeated:
        duplicate = np.zeros(len(candidates), dtype=bool)
        duplicate[_duplicates(seeker_code, post_code, len(post_ids))] = True
        raise DataValidationError(
            _bad_rows(
                "candidates",
                POST_ID,
                duplicate,
                candidates[POST_ID].to_numpy(),
                "the same seeker and post appear twice",
            )
        )
    return _Market(
        seeker_ids=seeker_ids,
        post_ids=post_ids,
        arc_post=arc_post,
        start=start,
        length=length,
        capacity=capacity_values,
        rank=rank,
    )


def _preference_lists(
    seeker_code: IntArray,
    post_code: IntArray,
    score: npt.NDArray[np.float64],
    n_seekers: int,
    n_posts: int,
) -> tuple[IntArray, IntArray, IntArray, bool]:
    """Each seeker's acceptable posts, best first: score descending, then post ascending.

    Returns the post of every arc in that order (seekers one after another), each seeker's first
    position and list length, and whether some (seeker, post) pair occurs twice.

    A global three-key ``lexsort`` of 15 million arcs takes ~9 s here, and row-wise ``argsort``
    of a padded (seeker x list) matrix still over 1 s per key. So each key is packed with a small
    column index into one int64 and the rows are sorted with ``np.sort`` (SIMD, ~0.1 s):
    first (post, column) to order by post and find repeated pairs, then (score, column) with the
    score's lowest bits dropped to make room for the column. The few rows where two different
    scores lose their difference to that truncation are re-sorted exactly.
    """
    n_arcs = seeker_code.size
    if n_arcs and bool(np.any(seeker_code[1:] < seeker_code[:-1])):
        by_seeker = np.argsort(seeker_code, kind="stable")
        seeker_code, post_code, score = (
            seeker_code[by_seeker],
            post_code[by_seeker],
            score[by_seeker],
        )
    length = np.bincount(seeker_code, minlength=n_seekers).astype(np.int64)
    start = np.zeros(n_seekers, dtype=np.int64)
    np.cumsum(length[:-1], out=start[1:])
    width = int(length.max()) if n_arcs else 0
    if n_seekers * width > _MAX_PADDING_FACTOR * n_arcs + _PADDING_ALLOWANCE:
        # A few very long lists: padding would cost more than one global sort.
        order = np.lexsort((post_code, -score, seeker_code))
        return (
            post_code[order],
            start,
            length,
            _duplicates(seeker_code, post_code, n_posts).size > 0,
        )

    # One row per seeker, padded at the end with post n_posts (after every post) and score -inf.
    if n_arcs == n_seekers * width:
        posts = post_code.reshape(n_seekers, width)
        scores = score.reshape(n_seekers, width)
    else:
        cell = seeker_code * width + (np.arange(n_arcs) - start[seeker_code])
        padded_posts = np.full(n_seekers * width, n_posts, dtype=np.int64)
        padded_posts[cell] = post_code
        posts = padded_posts.reshape(n_seekers, width)
        padded_scores = np.full(n_seekers * width, -np.inf)
        padded_scores[cell] = score
        scores = padded_scores.reshape(n_seekers, width)
    column_bits = max(1, (width - 1).bit_length())
    column_mask = (1 << column_bits) - 1
    column = np.arange(width, dtype=np.int64)

    by_post = (posts << column_bits) | column
    by_post.sort(axis=1)
    sorted_posts = by_post >> column_bits
    repeated = bool(
        np.any((sorted_posts[:, 1:] == sorted_posts[:, :-1]) & (sorted_posts[:, 1:] < n_posts))
    )
    by_post &= column_mask
    post_sorted_scores = np.take_along_axis(scores, by_post, axis=1)
    del by_post

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
    ranked_posts = np.take_along_axis(sorted_posts, position, axis=1)
    if n_arcs == n_seekers * width:
        return ranked_posts.ravel(), start, length, repeated
    return ranked_posts[column < length[:, None]], start, length, repeated


def _duplicates(seeker_code: IntArray, post_code: IntArray, n_posts: int) -> IntArray:
    """Row positions of every (seeker, post) pair that occurred earlier in the table."""
    pair = seeker_code * n_posts + post_code
    return np.flatnonzero(pd.Index(pair).duplicated())


def _encode_reserves(reserves: ReserveSpec, market: _Market) -> tuple[BoolArray, IntArray]:
    problems: list[Problem] = []
    problems += _check_index("reserves", reserves.group, SEEKER_ID)
    problems += _check_index("reserves", reserves.reserved, POST_ID)
    reserved_values = _integer_values("reserves", reserves.reserved, "reserved", problems)
    # A missing value must not silently count as a member (bool(nan) is True).
    yes_or_no = reserves.group.isin([True, False]).to_numpy(dtype=bool)
    problems += _bad_rows(
        "reserves", "group", ~yes_or_no, reserves.group.to_numpy(), "must be true/false or 1/0"
    )
    if problems:
        raise DataValidationError(problems)
    group = reserves.group.astype(bool)
    member = group.reindex(market.seeker_ids, fill_value=False).to_numpy(dtype=bool)
    reserved = (
        pd.Series(reserved_values, index=reserves.reserved.index)
        .reindex(market.post_ids, fill_value=0)
        .to_numpy(dtype=np.int64)
    )
    too_many = reserved > market.capacity
    if too_many.any():
        raise DataValidationError(
            _bad_rows(
                "reserves",
                "reserved",
                too_many,
                market.post_ids.to_numpy(),
                "reserves more places than the post has",
            )
        )
    return member, reserved


def _encode_cities(post_city: pd.Series | None, city_cap: pd.Series, market: _Market) -> _Cities:
    if post_city is None:
        raise DataValidationError(
            [Problem("posts", None, "city", None, "city caps need the city of every post")]
        )
    problems: list[Problem] = []
    problems += _check_index("posts", post_city, POST_ID)
    problems += _check_index("city_caps", city_cap, "city")
    cap_values = _integer_values("city_caps", city_cap, "cap", problems)
    if problems:
        raise DataValidationError(problems)
    n_posts = len(market.post_ids)
    # Cities are matched by their text, as the problem object does: a post table read with
    # integer city codes and a caps table with string ones must not silently drop every cap.
    city_of_post = post_city.reindex(market.post_ids)
    city_text = pd.Index([None if pd.isna(c) else str(c) for c in city_of_post], dtype=object)
    capped_text = pd.Index([str(c) for c in city_cap.index], dtype=object)
    if not capped_text.is_unique:
        raise DataValidationError(
            _bad_rows(
                "city_caps",
                "city",
                capped_text.duplicated(),
                city_cap.index.to_numpy(),
                "duplicate id",
            )
        )
    city_code = capped_text.get_indexer(city_text).astype(np.int64)
    n_cities = len(city_cap)
    # Posts outside every capped city each form a unit of their own with no cap of its own.
    own_unit = n_cities + np.arange(n_posts, dtype=np.int64)
    unit = np.where(city_code >= 0, city_code, own_unit)
    uncapped = np.full(n_posts, np.iinfo(np.int64).max // 4, dtype=np.int64)
    return _Cities(unit=unit, cap=np.concatenate([cap_values, uncapped]))
