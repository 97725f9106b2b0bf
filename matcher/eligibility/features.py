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
from matcher.reference import minimum_wages
from matcher.schemas import EDUCATION_LEVELS

__all__ = [
    "FEATURES",
    "HOUSEHOLD_FEATURES",
    "household_hardship",
    "months_between",
    "seeker_features",
]


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

    hardship = household_hardship(households)
    joined = hardship.reindex(seekers["household_id"].to_numpy()).fillna(False).astype(bool)
    for feature, column in HOUSEHOLD_FEATURES.items():
        features[feature] = joined[column].to_numpy()
    for flag in (
        "registered_unemployed",
        "disabled",
        "returning_migrant",
        "laid_off",
        "wants_business",
    ):
        features[flag] = features[flag].fillna(False).astype(bool) if flag in features else False
    return features


#: Seeker feature → household column of :func:`household_hardship`.
HOUSEHOLD_FEATURES: dict[str, str] = {
    "zero_employment_family": "zero_employment",
    "minimum_allowance_household": "minimum_allowance",
    "near_minimum_household": "near_minimum",
    "low_income_household": "low_income",
    "disabled_household": "disabled_member",
    "military_martyr_household": "military_martyr",
    "single_parent_household": "single_parent_family",
    "poor_family": "poor_family",
}


def household_hardship(households: pd.DataFrame) -> pd.DataFrame:
    """Per household (index ``household_id``): its hardship flags and whether it is a
    困难家庭 (poor family) as (二十七) lists them — urban zero-employment, minimum-allowance and
    near-line households, disabled and soldiers'/martyrs' households whose income per head is
    below the city's minimum wage, and single-parent households. The one definition every
    programme uses (grassroots, internships, training). Optional columns a file lacks count as
    false."""
    table = households.set_index("household_id")

    def flag(column: str) -> pd.Series:
        if column not in table.columns:
            return pd.Series(False, index=table.index)
        return table[column].astype("boolean").fillna(False).astype(bool)

    wage = table["city"].map(minimum_wages()).astype("Float64")
    income = (
        pd.to_numeric(table["per_capita_income"], errors="coerce").astype("Float64")
        if "per_capita_income" in table.columns
        else pd.Series(pd.NA, index=table.index, dtype="Float64")
    )
    out = pd.DataFrame(
        {
            "zero_employment": flag("zero_employment"),
            "minimum_allowance": flag("minimum_allowance"),
            "near_minimum": flag("near_minimum"),
            "low_income": (income < wage).fillna(False).astype(bool),
            "disabled_member": flag("disabled_member"),
            "military_martyr": flag("military_martyr"),
            "single_parent_family": flag("single_parent_family"),
        },
        index=table.index,
    )
    out["poor_family"] = (
        out["zero_employment"]
        | out["minimum_allowance"]
        | out["near_minimum"]
        | (out["low_income"] & (out["disabled_member"] | out["military_martyr"]))
        | out["single_parent_family"]
    )
    return out
