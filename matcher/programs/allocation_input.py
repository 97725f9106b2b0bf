"""The seekers file of ``matcher allocate``, made from a programme's eligibility: what
``matcher eligibility --for-allocation`` writes, so that the command line chains."""

from __future__ import annotations

import pandas as pd

from matcher.programs.seekers import allocation_seekers
from matcher.schemas.columns import (
    CITY,
    FAMILY_ID,
    NEED,
    POLICY_TIER,
    SEEKER_ID,
    TIER,
    ZERO_EMPLOYMENT,
)

GROUPS = "groups"
SEX = "sex"

#: Columns of the allocation input, in order. ``tier`` is the allocation's (the eligibility's
#: ``priority``, shared within zero-employment families); ``policy_tier`` is the policy's own.
ALLOCATION_INPUT_COLUMNS: tuple[str, ...] = (
    SEEKER_ID,
    TIER,
    POLICY_TIER,
    NEED,
    GROUPS,
    FAMILY_ID,
    ZERO_EMPLOYMENT,
    CITY,
    SEX,
)


def allocation_input(
    seekers: pd.DataFrame, households: pd.DataFrame, eligibility: pd.DataFrame
) -> pd.DataFrame:
    """The eligible seekers as ``matcher allocate --seekers`` takes them.

    :func:`matcher.programs.seekers.allocation_seekers` (``seeker_id``, ``tier``, ``family_id``,
    ``zero_employment``) with, beside it, what the fairness measures break placements down by:
    the policy's tier (``policy_tier``), the need index, the ``|``-separated groups, the
    seeker's city and sex. ``allocate`` keeps extra columns as they are; only 0/1 columns can be
    named as group floors.
    """
    table = allocation_seekers(seekers, households, eligibility)
    ids = table[SEEKER_ID].to_numpy()
    by_id = eligibility.assign(**{SEEKER_ID: eligibility[SEEKER_ID].astype(str)}).set_index(
        SEEKER_ID
    )
    people = seekers.assign(**{SEEKER_ID: seekers[SEEKER_ID].astype(str)}).set_index(SEEKER_ID)
    table[POLICY_TIER] = by_id[TIER].reindex(ids).astype("Int64").to_numpy()
    table[NEED] = by_id[NEED].reindex(ids).astype("Int64").to_numpy()
    table[GROUPS] = by_id[GROUPS].reindex(ids).astype("string").fillna("").to_numpy()
    table[CITY] = people[CITY].reindex(ids).astype(str).to_numpy()
    if SEX in people.columns:
        table[SEX] = people[SEX].reindex(ids).astype("string").to_numpy()
    return table.loc[:, [c for c in ALLOCATION_INPUT_COLUMNS if c in table.columns]]
