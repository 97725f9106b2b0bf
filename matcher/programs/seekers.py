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
    SEEKER_ID,
    TIER,
    ZERO_EMPLOYMENT,
)


def program_eligibility(
    seekers: pd.DataFrame, households: pd.DataFrame, program: str, reference_date: date
) -> pd.DataFrame:
    """Eligibility of every seeker under the programme's shipped rules file
    (``data/policies/<program>.toml``); see :func:`matcher.eligibility.evaluate_eligibility`."""
    return evaluate_eligibility(seekers, households, load_policy(program), reference_date)


def allocation_seekers(
    seekers: pd.DataFrame, households: pd.DataFrame, eligibility: pd.DataFrame
) -> pd.DataFrame:
    """The allocation's seekers table for the eligible
    (:data:`matcher.schemas.columns.ALLOCATION_SEEKERS`): ``seeker_id``, ``tier``,
    ``family_id`` (the household) and ``zero_employment`` (0/1), in eligibility order."""
    eligible = eligibility.loc[eligibility["eligible"].to_numpy(dtype=bool)]
    people = seekers.set_index(SEEKER_ID).loc[eligible[SEEKER_ID].to_numpy()]
    zero = households.set_index(HOUSEHOLD_ID)[ZERO_EMPLOYMENT]
    return pd.DataFrame(
        {
            SEEKER_ID: eligible[SEEKER_ID].astype(str).to_numpy(),
            TIER: eligible[TIER].astype(int).to_numpy(),
            FAMILY_ID: people[HOUSEHOLD_ID].astype(str).to_numpy(),
            ZERO_EMPLOYMENT: zero.reindex(people[HOUSEHOLD_ID].to_numpy())
            .astype("boolean")
            .fillna(False)
            .astype(np.int64)
            .to_numpy(),
        }
    )
