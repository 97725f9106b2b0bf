"""Placement: a programme's posts allocated among its eligible seekers, with the
zero-employment family guarantee of (三十九) held for every family it can hold for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from matcher.allocation.api import DEFAULT_TIME_LIMIT, allocate
from matcher.allocation.coverage import allocate_covering_families
from matcher.allocation.result import Allocation, Mechanism
from matcher.errors import InfeasibleError, MatcherError
from matcher.schemas.internal import (
    ALLOCATION_POSTS_SCHEMA,
    ALLOCATION_SEEKERS_SCHEMA,
    CANDIDATE_PAIRS_SCHEMA,
    check_table,
)

#: Mechanisms that can hold the family guarantee (an exact min-cost-flow solve).
FAMILY_MECHANISMS: tuple[str, ...] = ("optimal", "lexicographic")
#: Candidate pairs whose values are checked on entry (all of them for names and dtypes).
PAIRS_CHECKED = 10_000


@dataclass(frozen=True)
class Placement:
    """An allocation and what the guarantee could not do: ``uncovered`` names the
    zero-employment families left out of it this time, ``notes`` says so in words."""

    allocation: Allocation
    uncovered: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()


def place(
    program: str,
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    mechanism: Mechanism = "lexicographic",
    city_caps: dict[str, int] | None = None,
    families: bool = True,
    time_limit: float = DEFAULT_TIME_LIMIT,
    **options: Any,
) -> Placement:
    """Allocate a programme's posts.

    Parameters
    ----------
    program : str
        Named in the notes.
    seekers, posts, pairs : DataFrame
        The allocation's tables (:func:`matcher.programs.seekers.allocation_seekers`,
        :func:`matcher.programs.posts.allocation_posts`, ``Candidates.scored()``).
    mechanism : str
        See ``docs/allocation.md``.
    city_caps : mapping, optional
        City quotas (ignored by ``stable``, which has no caps).
    families : bool
        Hold the zero-employment family guarantee where the mechanism supports it. Families it
        cannot hold for under these posts and quotas are named in ``uncovered`` and placed
        without it; if the general solver cannot settle it within ``time_limit``, the whole
        allocation is made without it and the notes say why.
    time_limit : float
        Seconds per general-solver (CP-SAT) solve.
    **options :
        Passed to :func:`matcher.allocation.allocate` (tier floors, reserves …).
    """
    check_table(ALLOCATION_SEEKERS_SCHEMA, seekers)
    check_table(ALLOCATION_POSTS_SCHEMA, posts)
    check_table(CANDIDATE_PAIRS_SCHEMA, pairs, sample=PAIRS_CHECKED)
    arguments: dict[str, Any] = {
        "mechanism": mechanism,
        "time_limit": time_limit,
        **options,
    }
    if city_caps is not None and mechanism != "stable":
        arguments["city_caps"] = city_caps
    if not (families and mechanism in FAMILY_MECHANISMS):
        return Placement(allocate(seekers, posts, pairs, **arguments))
    try:
        allocation, uncovered = allocate_covering_families(seekers, posts, pairs, **arguments)
    except (InfeasibleError, MatcherError) as error:
        # Not provable within the time limit: place without the guarantee and say so; the
        # 20-day list shows the families left uncovered.
        note = f"{program}: family guarantee not attained this week ({error})"
        return Placement(allocate(seekers, posts, pairs, **arguments), notes=(note,))
    notes: tuple[str, ...] = ()
    if uncovered:
        notes = (
            f"{program}: family guarantee (三十九) not attainable this week for "
            f"{len(uncovered)} families: {', '.join(sorted(uncovered))}",
        )
    return Placement(allocation, frozenset(uncovered), notes)
