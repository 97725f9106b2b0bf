"""Training sessions drawn from the training catalogue, in the cities each specialty serves."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from matcher import reference
from matcher.generator._draw import apportion, day, days_between, ids
from matcher.generator.posts import _district_in_city, city_weights
from matcher.generator.world import World

SESSIONS_PER_BASE = 5
SESSION_START_WINDOW_DAYS = 21  # classes that started in the last three weeks and still enrol
URBAN_BASE_SHARE = 0.8


def make_sessions(
    rng: np.random.Generator, world: World, n_sessions: int, cities: list[str], reference_date: date
) -> pd.DataFrame:
    """``n_sessions`` training sessions over ``cities`` by population.

    Each session's specialty is one the catalogue offers in its city (``*`` or a list of city
    codes); hours and subsidy come from the catalogue (SYB: 200 hours at 10 yuan).

    Returns
    -------
    DataFrame
        The ``training_sessions`` table, spec columns in order.
    """
    catalogue = world.training_catalogue
    per_city = apportion(n_sessions, city_weights(world, cities))
    city = np.repeat(np.asarray(cities), per_city)
    n = len(city)
    offered = np.zeros((len(catalogue), n), dtype=bool)
    for row, cell in enumerate(catalogue["cities"].astype(str)):
        codes = reference.split_list(cell)
        offered[row] = True if reference.ALL_CITIES in codes else np.isin(city, codes)
    # A weighted pick among the specialties offered in the row's city (industry specialties of
    # a city's clusters weigh double, the universal ones fill in).
    weight = (
        offered * np.where(catalogue["kind"].to_numpy(dtype=str) == "industry", 2.0, 1.0)[:, None]
    )
    cumulative = np.cumsum(weight, axis=0)
    draw = rng.random(n) * cumulative[-1]
    specialty_row = np.minimum((cumulative < draw[None, :]).sum(axis=0), len(catalogue) - 1)
    chosen = catalogue.iloc[specialty_row]
    kind = chosen["kind"].to_numpy(dtype=str)

    base_number = np.floor(
        rng.random(n) * np.maximum(np.repeat(per_city, per_city) // SESSIONS_PER_BASE, 1)
    )
    base_id = np.char.add(
        np.char.add("B", city), np.char.zfill(base_number.astype(np.int64).astype(str), 3)
    )
    base_id = np.where(kind == "syb", np.char.add(base_id, "S"), base_id)
    city_names = world.cities.set_index("code").loc[city, "name"].to_numpy(dtype=str)
    base_name = np.where(
        kind == "syb",
        np.char.add(city_names, "创业培训中心"),
        np.char.add(
            np.char.add(city_names, "第"),
            np.char.add((base_number + 1).astype(np.int64).astype(str), "职业技能培训学校"),
        ),
    )
    district_position = _district_in_city(
        rng, world.districts, city, rng.random(n) < URBAN_BASE_SHARE
    )
    capacity = np.where(kind == "syb", rng.integers(20, 31, n), rng.integers(20, 61, n))
    ref = day(reference_date)
    start = days_between(
        rng, np.full(n, ref - np.timedelta64(SESSION_START_WINDOW_DAYS, "D")), np.full(n, ref)
    )
    return pd.DataFrame(
        {
            "session_id": ids("T", n, 6),
            "base_id": base_id,
            "base_name": base_name,
            "specialty": chosen["specialty"].to_numpy(dtype=str),
            "kind": kind,
            "city": city,
            "district": world.districts["code"].to_numpy(dtype=str)[district_position],
            "capacity": capacity.astype(np.int64),
            "hours": chosen["hours"].to_numpy(dtype=np.int64),
            "subsidy_per_hour": chosen["subsidy_per_hour"].to_numpy(dtype=float),
            "start_date": start,
        }
    )
