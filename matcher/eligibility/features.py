"""Seeker features that policy conditions can name: the seeker's own columns plus derived ones
(age, household status, years to retirement …) computed at a reference date. The names are
:data:`matcher.policy.features.FEATURES`; the expression validator rejects any other name."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from matcher.policy.expressions import age_on
from matcher.policy.features import FEATURES
from matcher.policy.rules import CommonRules
from matcher.schemas import EDUCATION_LEVELS

__all__ = ["FEATURES", "months_between", "seeker_features"]


def months_between(start: pd.Series, end: date) -> pd.Series:
    """Whole months from each start date to ``end`` (NA where start is missing)."""
    started = pd.to_datetime(start)
    months = (end.year - started.dt.year) * 12 + (end.month - started.dt.month)
    months = months - (started.dt.day > end.day).astype("Int64")
    return months.astype("Int64")


def seeker_features(
    seekers: pd.DataFrame,
    households: pd.DataFrame,
    reference_date: date,
    common: CommonRules,
) -> pd.DataFrame:
    """Every name in :data:`FEATURES`, one row per seeker, index aligned with ``seekers``."""
    features = seekers[[c for c in FEATURES if c in seekers.columns]].copy()
    features["age"] = age_on(seekers["birth_date"], reference_date)
    rank = seekers["education"].map({code: i for i, code in enumerate(EDUCATION_LEVELS)})
    features["education_rank"] = rank.astype("Int64")
    features["reference_year"] = reference_date.year
    graduated = seekers["graduation_year"].notna() & (
        seekers["graduation_year"] <= reference_date.year
    )
    college = EDUCATION_LEVELS.index("junior_college")
    features["college_graduate"] = (features["education_rank"] >= college).fillna(False) & graduated
    features["years_since_graduation"] = (reference_date.year - seekers["graduation_year"]).astype(
        "Int64"
    )
    months = months_between(seekers["unemployed_since"], reference_date)
    unemployed = seekers["registered_unemployed"].fillna(False).astype(bool)
    features["unemployed_months"] = months.where(unemployed, 0).fillna(0).astype("Int64")

    women_age = np.where(
        seekers["cadre"].fillna(False).astype(bool),
        common.retirement_age.women_cadre,
        common.retirement_age.women,
    )
    retirement = np.where(seekers["sex"] == "M", common.retirement_age.men, women_age)
    features["retirement_age"] = pd.Series(retirement, index=seekers.index).astype("Int64")
    features["years_to_retirement"] = features["retirement_age"] - features["age"]
    features["working_age"] = (
        (features["age"] >= common.working_age_minimum)
        & (features["age"] < features["retirement_age"])
    ).fillna(False)

    flags = households.set_index("household_id")[
        ["zero_employment", "minimum_allowance", "near_minimum"]
    ]
    joined = flags.reindex(seekers["household_id"].to_numpy()).fillna(False).astype(bool)
    features["zero_employment_family"] = joined["zero_employment"].to_numpy()
    features["minimum_allowance_household"] = joined["minimum_allowance"].to_numpy()
    features["near_minimum_household"] = joined["near_minimum"].to_numpy()
    features["poor_family"] = joined.any(axis=1).to_numpy()
    for flag in ("registered_unemployed", "disabled", "returning_migrant", "laid_off"):
        features[flag] = features[flag].fillna(False).astype(bool)
    return features
