"""The zero-employment family guarantee where it can hold.

(三十九) asks that every zero-employment family be offered a post. When this week's posts, city
quotas and floors make that impossible for some families, the guarantee should still bind for all
the others rather than be dropped. Whether a family can be covered depends on the constraints,
not on the mechanism's objective, so the optimal flow's exact diagnosis (it names each family it
cannot cover, after maximising coverage) answers it for every mechanism.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from matcher.allocation.api import allocate
from matcher.errors import InfeasibleError
from matcher.frames import isin

# Each round releases the families the diagnosis named; coverage is maximised in each, so one
# round normally settles it and a few always do.
_ROUNDS = 5


def _named_families(error: InfeasibleError) -> set[str]:
    """Ids of the families the diagnosis says the guarantee cannot cover."""
    return {s.family_id for s in error.shortfalls if s.family_id is not None}


def release_families(seekers: pd.DataFrame, families: set[str]) -> pd.DataFrame:
    """``seekers`` with the given families taken out of the guarantee (``zero_employment`` 0)."""
    if not families:
        return seekers
    released = isin(seekers["family_id"].astype(str), families)
    return seekers.assign(zero_employment=np.where(released, 0, seekers["zero_employment"]))


def uncoverable_families(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    city_caps: pd.DataFrame | Mapping[str, int] | None = None,
    tier_floors: pd.DataFrame | Mapping[int, int] | None = None,
) -> set[str]:
    """Zero-employment families no allocation can cover under these capacities, quotas and
    floors (tables as for :func:`matcher.allocation.allocate`).

    Raises
    ------
    InfeasibleError
        If something other than the guarantee (a floor) cannot hold: the user must know.
    """
    uncovered: set[str] = set()
    for _ in range(_ROUNDS):
        try:
            allocate(
                release_families(seekers, uncovered),
                posts,
                candidates,
                mechanism="optimal",
                city_caps=city_caps,
                tier_floors=tier_floors,
                families=True,
                check=False,
            )
            return uncovered
        except InfeasibleError as error:
            named = _named_families(error)
            if not named or len(named) < len(error.shortfalls):
                raise
            uncovered |= named
    return uncovered


def allocate_covering_families(
    seekers: pd.DataFrame, posts: pd.DataFrame, candidates: pd.DataFrame, **options: Any
) -> tuple[Any, set[str]]:
    """:func:`matcher.allocation.allocate` with ``families=True`` for every family the guarantee
    can hold for. Returns the ``Allocation`` and the families left out of the guarantee (they
    stay in the allocation, without the guarantee)."""
    options.pop("families", None)
    try:  # usually every family can be covered: one solve, no diagnosis
        return allocate(seekers, posts, candidates, families=True, **options), set()
    except InfeasibleError:
        pass
    uncovered = uncoverable_families(
        seekers,
        posts,
        candidates,
        city_caps=options.get("city_caps"),
        tier_floors=options.get("tier_floors"),
    )
    table = release_families(seekers, uncovered)
    return allocate(table, posts, candidates, families=True, **options), uncovered
