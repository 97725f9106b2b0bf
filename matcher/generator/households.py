"""Households: seekers grouped into families that share a city, district, hukou and the status
flags (zero-employment, minimum allowance, near the line) that define priority groups."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from matcher.generator._draw import day, ids
from matcher.generator.world import World

# Household-level rates. Flags are drawn independently of household composition, so the share of
# seekers living in a flagged household equals the household rate in expectation.
URBAN_HUKOU_SHARE = 0.80
ZERO_EMPLOYMENT_SHARE_OF_URBAN = 0.10  # → 8 % of seekers are in zero-employment families
MINIMUM_ALLOWANCE_SHARE = 0.14
NEAR_MINIMUM_SHARE = 0.08
# A seeker shares the household of the seeker before them (same city) with this probability,
# so about a fifth of households hold two or more seekers (a 4050 mother and a graduate son).
SHARED_HOUSEHOLD_RATE = 0.22
ZERO_EMPLOYMENT_WINDOW_DAYS = 60  # certified within the last ~60 days (some past the 20 days)
URBAN_HOUSEHOLDS_IN_CITY_DISTRICTS = 0.85
RURAL_HOUSEHOLDS_IN_COUNTIES = 0.90
# Members who are not seekers (children, retired parents): 0, 1, 2 or 3 more.
EXTRA_MEMBERS = (np.array([0, 1, 2, 3]), np.array([0.25, 0.35, 0.30, 0.10]))


def assign_households(
    rng: np.random.Generator,
    world: World,
    seeker_city: np.ndarray,
    reference_date: date,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Group seekers into households.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random stream for households.
    world : World
        Reference data.
    seeker_city : ndarray of str
        Each seeker's city code.
    reference_date : date
        The data's "today".

    Returns
    -------
    household_of_seeker : ndarray of int
        Row of ``households`` for each seeker.
    households : DataFrame
        One row per household: ``household_id``, ``city``, ``district``, ``district_position``,
        ``urban``, ``members`` (seekers only; callers add non-seeker members),
        ``zero_employment``, ``zero_employment_since``, ``minimum_allowance``, ``near_minimum``.
    """
    n = len(seeker_city)
    order = np.lexsort((rng.random(n), seeker_city))
    sorted_city = seeker_city[order]
    starts_city = np.r_[True, sorted_city[1:] != sorted_city[:-1]] if n else np.zeros(0, bool)
    new_household = starts_city | (rng.random(n) >= SHARED_HOUSEHOLD_RATE)
    household_sorted = np.cumsum(new_household) - 1
    household_of_seeker = np.empty(n, dtype=np.int64)
    household_of_seeker[order] = household_sorted

    n_households = int(new_household.sum())
    city = sorted_city[new_household]
    members = np.bincount(household_sorted, minlength=n_households)
    urban = rng.random(n_households) < URBAN_HUKOU_SHARE

    district_position = _draw_districts(rng, world, city, urban)
    districts = world.districts
    zero_employment = urban & (rng.random(n_households) < ZERO_EMPLOYMENT_SHARE_OF_URBAN)
    since_days = rng.integers(0, ZERO_EMPLOYMENT_WINDOW_DAYS + 1, n_households)
    since = (day(reference_date) - since_days.astype("timedelta64[D]")).astype("datetime64[D]")
    allowance_draw = rng.random(n_households)
    minimum_allowance = allowance_draw < MINIMUM_ALLOWANCE_SHARE
    near_minimum = ~minimum_allowance & (
        allowance_draw < MINIMUM_ALLOWANCE_SHARE + NEAR_MINIMUM_SHARE
    )
    households = pd.DataFrame(
        {
            "household_id": ids("H", n_households),
            "city": city,
            "district": districts["code"].to_numpy(dtype=str)[district_position],
            "district_position": district_position,
            "urban": urban,
            "members": members,
            "zero_employment": zero_employment,
            "zero_employment_since": pd.Series(since).where(zero_employment),
            "minimum_allowance": minimum_allowance,
            "near_minimum": near_minimum,
        }
    )
    return household_of_seeker, households


def _draw_districts(
    rng: np.random.Generator, world: World, city: np.ndarray, urban: np.ndarray
) -> np.ndarray:
    """A district per household: urban households mostly in city districts, rural ones mostly
    in counties; uniform within the chosen kind."""
    districts = world.districts
    prefer_urban = np.where(
        urban,
        rng.random(len(city)) < URBAN_HOUSEHOLDS_IN_CITY_DISTRICTS,
        rng.random(len(city)) >= RURAL_HOUSEHOLDS_IN_COUNTIES,
    )
    keys = districts["city"].to_numpy(dtype=str) + np.where(
        districts["urban"].to_numpy(dtype=bool), "u", "r"
    )
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    unique_keys, start, count = np.unique(sorted_keys, return_index=True, return_counts=True)
    wanted = np.char.add(city.astype(str), np.where(prefer_urban, "u", "r"))
    # A city without a district of the wanted kind falls back to the other kind.
    missing = ~np.isin(wanted, unique_keys)
    wanted = np.where(
        missing, np.char.add(city.astype(str), np.where(prefer_urban, "r", "u")), wanted
    )
    block = np.searchsorted(unique_keys, wanted)
    offset = np.floor(rng.random(len(city)) * count[block]).astype(np.int64)
    return order[start[block] + offset]


# (二十七)'s further hardship households, drawn on their own stream so the older columns keep
# their bytes. A household holding a disabled seeker, a soldier's spouse or a martyr's relative,
# or a single parent is such a household; others are drawn at these rates.
DISABLED_MEMBER_EXTRA_SHARE = 0.04  # a disabled member who is not a seeker
MILITARY_MARTYR_EXTRA_SHARE = 0.01
SINGLE_PARENT_EXTRA_SHARE = 0.03  # e.g. a graduate living with a single mother
# Income per head around the city's minimum wage: lower on the allowance (低保) and near the
# line; about one in six of the other households falls under the wage too.
INCOME_OVER_MINIMUM_WAGE = {"allowance": 0.55, "near": 0.85, "other": 1.45}
INCOME_SPREAD = 0.38  # sigma of the log-normal factor


def hardship_fields(
    rng: np.random.Generator,
    households: pd.DataFrame,
    seekers: pd.DataFrame,
    minimum_wage: dict[str, int],
) -> pd.DataFrame:
    """``households`` with ``per_capita_income``, ``disabled_member``, ``military_martyr``
    and ``single_parent_family`` (the hardship households of (二十七)) added."""
    n = len(households)
    ids_ = households["household_id"]

    def any_member(column: str | list[str]) -> np.ndarray:
        columns = [column] if isinstance(column, str) else column
        flag = seekers[columns].any(axis=1).groupby(seekers["household_id"], sort=False).any()
        return flag.reindex(ids_).fillna(False).to_numpy(dtype=bool)

    draws = rng.random((3, n))
    disabled = any_member("disabled") | (draws[0] < DISABLED_MEMBER_EXTRA_SHARE)
    military = any_member(["military_spouse", "martyr_family"]) | (
        draws[1] < MILITARY_MARTYR_EXTRA_SHARE
    )
    single = any_member("single_parent") | (draws[2] < SINGLE_PARENT_EXTRA_SHARE)
    level = np.where(
        households["minimum_allowance"].to_numpy(dtype=bool),
        INCOME_OVER_MINIMUM_WAGE["allowance"],
        np.where(
            households["near_minimum"].to_numpy(dtype=bool),
            INCOME_OVER_MINIMUM_WAGE["near"],
            INCOME_OVER_MINIMUM_WAGE["other"],
        ),
    )
    wage = households["city"].map(minimum_wage).to_numpy(dtype=float)
    income = np.round(wage * level * np.exp(INCOME_SPREAD * rng.standard_normal(n)) / 10) * 10
    return households.assign(
        per_capita_income=income.astype(np.int64),
        disabled_member=disabled,
        military_martyr=military,
        single_parent_family=single,
    )
