"""Historical referrals of 2007-2008 and their outcomes, drawn from the ground truth.

Counsellors refer the way they do in practice: mostly within the seeker's city, often to a post
in the seeker's own line of work, but many referrals are poor fits (whatever post was open).
Outcomes are Bernoulli draws from :func:`matcher.generator.truth.expected_outcome`, so a ranking
model trained on them can be evaluated against the truth honestly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from matcher.generator._draw import day, days_between, ids
from matcher.generator.truth import Truth, expected_outcome
from matcher.generator.world import World

SAME_CITY_SHARE = 0.92
PLAUSIBLE_SHARE = 0.45  # of same-city referrals: a post in the seeker's minor occupation group
HISTORY_LAST_DAY = date(2008, 12, 31)
REFERRAL_LAG_DAYS = 60  # referrals follow the posting within two months


@dataclass(frozen=True)
class HistoryDraw:
    """Placements as generated, with their true probabilities."""

    placements: pd.DataFrame  # the ``placements`` table, spec columns in order
    truth: pd.DataFrame  # ``placement_id``, ``p_hired``, ``p_retained``, ``p_success``


def _block_pick(
    rng: np.random.Generator, keys: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each wanted key, a random row of ``keys`` with that key; (row, found)."""
    order = np.argsort(keys, kind="stable")
    unique, start, count = np.unique(keys[order], return_index=True, return_counts=True)
    block = np.clip(np.searchsorted(unique, wanted), 0, max(len(unique) - 1, 0))
    found = (unique[block] == wanted) if len(unique) else np.zeros(len(wanted), dtype=bool)
    offset = np.floor(rng.random(len(wanted)) * count[block]).astype(np.int64)
    return order[start[block] + offset], found


def make_history(
    rng: np.random.Generator,
    world: World,
    n_records: int,
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    truth: Truth,
    reference_date: date,
) -> HistoryDraw:
    """Sample ``n_records`` referrals to historical (``filled``/``closed``) posts and draw outcomes.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random stream for history.
    world : World
        Reference data.
    n_records : int
        Number of referrals.
    seekers, posts : DataFrame
        The generated tables.
    truth : Truth
        The generated truth.
    reference_date : date
        The data's "today"; no referral is after it.
    """
    historical = posts[posts["status"] != "open"].reset_index(drop=True)
    if n_records == 0 or historical.empty or seekers.empty:
        empty = pd.DataFrame(
            {
                c: pd.Series(dtype=object)
                for c in (
                    "placement_id",
                    "seeker_id",
                    "post_id",
                    "referral_date",
                    "hired",
                    "retained_12m",
                )
            }
        )
        return HistoryDraw(
            empty, pd.DataFrame(columns=["placement_id", "p_hired", "p_retained", "p_success"])
        )
    seeker_row = rng.integers(0, len(seekers), n_records)
    seeker_city = seekers["city"].to_numpy(dtype=str)[seeker_row]
    true_code = (
        truth.seekers.set_index("seeker_id")
        .loc[seekers["seeker_id"].to_numpy(dtype=str)[seeker_row], "true_occupation"]
        .to_numpy(dtype=str)
    )
    post_city = historical["city"].to_numpy(dtype=str)
    post_minor = np.char.ljust(historical["true_occupation"].to_numpy(dtype=str), 7).astype("<U7")
    same_city_row, city_found = _block_pick(rng, post_city, seeker_city)
    plausible_row, plausible_found = _block_pick(
        rng,
        np.char.add(post_city, post_minor),
        np.char.add(seeker_city, np.char.ljust(true_code, 7).astype("<U7")),
    )
    anywhere_row = rng.integers(0, len(historical), n_records)
    u = rng.random(n_records)
    same_city = (u < SAME_CITY_SHARE) & city_found
    plausible = same_city & (rng.random(n_records) < PLAUSIBLE_SHARE) & plausible_found
    post_row = np.where(plausible, plausible_row, np.where(same_city, same_city_row, anywhere_row))

    posted = historical["posted_date"].to_numpy().astype("datetime64[D]")[post_row]
    last = min(day(HISTORY_LAST_DAY), day(reference_date))
    referral = days_between(
        rng, posted, np.minimum(posted + np.timedelta64(REFERRAL_LAG_DAYS, "D"), last)
    )

    pairs = pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"].to_numpy(dtype=str)[seeker_row],
            "post_id": historical["post_id"].to_numpy(dtype=str)[post_row],
        }
    )
    outcome = expected_outcome(seekers, posts, pairs, truth, world=world)
    hired = rng.random(n_records) < outcome["p_hired"].to_numpy()
    retained = hired & (rng.random(n_records) < outcome["p_retained"].to_numpy())
    placement_id = ids("R", n_records, 7)
    placements = pd.DataFrame(
        {
            "placement_id": placement_id,
            "seeker_id": pairs["seeker_id"],
            "post_id": pairs["post_id"],
            "referral_date": referral,
            "hired": hired,
            "retained_12m": retained,
        }
    )
    placement_truth = pd.DataFrame(
        {
            "placement_id": placement_id,
            "p_hired": np.round(outcome["p_hired"].to_numpy(), 6),
            "p_retained": np.round(outcome["p_retained"].to_numpy(), 6),
            "p_success": np.round(outcome["p_success"].to_numpy(), 6),
        }
    )
    return HistoryDraw(placements, placement_truth)
