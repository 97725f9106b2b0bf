"""A programme's eligible seekers: eligibility under its policy file and the allocation's
seekers table (tier and family) made from it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from matcher.eligibility import evaluate_eligibility
from matcher.policy import load_policy
from matcher.schemas.columns import (
    FAMILY_ID,
    HOUSEHOLD_ID,
    NEED,
    PRIORITY,
    SEEKER_ID,
    TIER,
    ZERO_EMPLOYMENT,
)


def program_eligibility(
    seekers: pd.DataFrame,
    households: pd.DataFrame,
    program: str,
    reference_date: date,
    *,
    preset: str | None = None,
) -> pd.DataFrame:
    """Eligibility of every seeker under the programme's shipped rules file
    (``data/policies/<program>.toml``), under its own priority order or a named ``preset``;
    see :func:`matcher.eligibility.evaluate_eligibility`."""
    policy = load_policy(program, preset=preset)
    return evaluate_eligibility(seekers, households, policy, reference_date)


def allocation_seekers(
    seekers: pd.DataFrame, households: pd.DataFrame, eligibility: pd.DataFrame
) -> pd.DataFrame:
    """The allocation's seekers table for the eligible
    (:data:`matcher.schemas.columns.ALLOCATION_SEEKERS`): ``seeker_id``, ``tier``,
    ``family_id`` (the household) and ``zero_employment`` (0/1), in eligibility order.

    The allocation's ``tier`` is the eligibility's ``priority`` — the policy tier refined by the
    need index — so the lexicographic mechanism places by tier and then by need before the
    score; :func:`with_policy_tiers` puts the policy's tier and need back on its output."""
    eligible = eligibility.loc[eligibility["eligible"].to_numpy(dtype=bool)]
    people = seekers.set_index(SEEKER_ID).loc[eligible[SEEKER_ID].to_numpy()]
    zero = households.set_index(HOUSEHOLD_ID)[ZERO_EMPLOYMENT]
    table = pd.DataFrame(
        {
            SEEKER_ID: eligible[SEEKER_ID].astype(str).to_numpy(),
            TIER: eligible[PRIORITY].astype(int).to_numpy(),
            FAMILY_ID: people[HOUSEHOLD_ID].astype(str).to_numpy(),
            ZERO_EMPLOYMENT: zero.reindex(people[HOUSEHOLD_ID].to_numpy())
            .astype("boolean")
            .fillna(False)
            .astype(np.int64)
            .to_numpy(),
        }
    )
    # The guarantee of (三十九) is a promise to the family (确保一人就业): its members share the
    # family's priority (its neediest member's), so families are ordered by need and the member
    # who takes the post by the score. It also keeps each guaranteed family inside one priority
    # level, which the exact min-cost-flow solve needs (families straddling levels would send
    # the lexicographic solve to CP-SAT: 120 s instead of 1 s on the small demo).
    guaranteed = table[ZERO_EMPLOYMENT].to_numpy(dtype=bool)
    if guaranteed.any():
        family_best = table.loc[guaranteed].groupby(FAMILY_ID)[TIER].transform("min")
        table.loc[guaranteed, TIER] = family_best.to_numpy()
    return table


def with_policy_tiers(placed: pd.DataFrame, eligibility: pd.DataFrame) -> pd.DataFrame:
    """Placements (or unplaced rows) of an allocation made from :func:`allocation_seekers`, with
    ``tier`` back as the policy's tier and the ``need`` and ``priority`` beside it."""
    table = eligibility.set_index(SEEKER_ID)
    ids = placed[SEEKER_ID].astype(str).to_numpy()
    out = placed.copy()
    out[TIER] = table[TIER].reindex(ids).to_numpy()
    position = list(out.columns).index(TIER) + 1
    for offset, column in enumerate((NEED, PRIORITY)):
        values = table[column].reindex(ids).to_numpy()
        if column in out.columns:
            out[column] = values
        else:
            out.insert(position + offset, column, values)
    for column in (TIER, NEED, PRIORITY):
        out[column] = out[column].astype("Int64")
    return out
