"""Labour demand per training specialty: unfilled vacancies its skills serve, less the seekers
who already hold those skills (the skill gap the city cannot fill from its register)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.programs.posts import open_mask
from matcher.scoring.features import code_to_int, skill_index

DEMAND_COLUMNS: tuple[str, ...] = (
    "city", "specialty", "vacancy_places", "skilled_seekers", "skill_gap", "labour_demand",
)  # fmt: skip


def _minor_group(codes: pd.Series) -> np.ndarray:
    # Same CSCO minor group (first three levels, e.g. 6-18-02): the code without its last level.
    return np.asarray([code_to_int(c) // 100 for c in codes.astype("string").fillna("").tolist()])


def labour_demand(
    posts: pd.DataFrame, seekers: pd.DataFrame, specialties: pd.DataFrame, cities: list[str]
) -> pd.DataFrame:
    """Unmet labour demand per (city, specialty).

    A vacancy (program ``vacancy``, status ``open``) serves a specialty when it wants one of the
    specialty's skills or sits in the same CSCO minor group. ``skilled_seekers`` counts seekers of
    the city who hold at least half of the specialty's skills; ``skill_gap`` is the vacancy
    places they cannot fill, and ``labour_demand`` scales the gap to 0-1 within the city (1 for
    the specialty with the largest gap).

    Parameters
    ----------
    posts, seekers : DataFrame
        Validated tables.
    specialties : DataFrame
        Catalogue rows (``specialty``, ``occupation_code``, ``skills``).
    cities : list of str
        Cities to measure.

    Returns
    -------
    DataFrame
        Columns :data:`DEMAND_COLUMNS`, one row per city and specialty.
    """
    index = skill_index()
    spec_bits, spec_counts, _ = index.bits(specialties["skills"])
    spec_group = _minor_group(specialties["occupation_code"])
    open_vacancies = posts.loc[open_mask(posts, "vacancy")]
    rows: list[pd.DataFrame] = []
    for city in cities:
        city_posts = open_vacancies[open_vacancies["city"].astype(str) == city]
        post_bits, _, _ = index.bits(city_posts["wanted_skills"])
        post_group = _minor_group(city_posts["occupation_code"])
        capacity = city_posts["capacity"].to_numpy(dtype=np.int64)
        # specialty × post: shares a wanted skill, or the same minor occupation group
        shares_skill = (spec_bits[:, None, :] & post_bits[None, :, :]).any(axis=2)
        same_group = (spec_group[:, None] == post_group[None, :]) & (spec_group[:, None] >= 0)
        places = ((shares_skill | same_group) * capacity[None, :]).sum(axis=1)
        city_seekers = seekers[seekers["city"].astype(str) == city]
        seeker_bits, _, _ = index.bits(city_seekers["skills"])
        held = np.bitwise_count(seeker_bits[:, None, :] & spec_bits[None, :, :]).sum(axis=2)
        skilled = (
            (held * 2 >= spec_counts[None, :]) & (spec_counts[None, :] > 0) & (held > 0)
        ).sum(axis=0)
        gap = np.maximum(places - skilled, 0)
        top = gap.max() if gap.size else 0
        rows.append(
            pd.DataFrame(
                {
                    "city": city,
                    "specialty": specialties["specialty"].astype(str).to_numpy(),
                    "vacancy_places": places.astype(np.int64),
                    "skilled_seekers": skilled.astype(np.int64),
                    "skill_gap": gap.astype(np.int64),
                    "labour_demand": gap / top if top > 0 else np.zeros(len(gap)),
                }
            )
        )
    if not rows:
        return pd.DataFrame({c: [] for c in DEMAND_COLUMNS})
    return pd.concat(rows, ignore_index=True)[list(DEMAND_COLUMNS)]
