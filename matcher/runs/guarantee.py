"""The 20-day guarantee for zero-employment families of (三十九).

"Every such family must be offered at least one suitable post within 20 days of registering."
Each weekly run tracks every certified urban zero-employment family from its certification
date (``households.zero_employment_since``): a family is *covered* once a member holds an offer
that is pending or accepted; otherwise it is *open*, *near* (few days left) or *overdue* (the
deadline has passed — a red item on the dashboard), listed with its members' best posts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from matcher.frames import isin
from matcher.schemas.columns import (
    BEST_POSTS,
    DAYS_LEFT,
    DEADLINE,
    DISTRICT,
    FAMILIES,
    HOUSEHOLD_ID,
    MEMBERS,
    OUTCOME,
    POST_ID,
    REGISTERED,
    SCORE,
    SEEKER_ID,
    STATUS,
)

GUARANTEE_DAYS = 20
NEAR_DAYS = 5
#: Outcomes of an offer that count as "offered a suitable post".
COVERING_OUTCOMES: tuple[str, ...] = ("pending", "accepted")
FamilyStatus = Literal["covered", "open", "near", "overdue"]
STATUSES: tuple[str, ...] = ("overdue", "near", "open", "covered")
GUARANTEE_COLUMNS: tuple[str, ...] = FAMILIES


def guarantee_status(
    households: pd.DataFrame,
    seekers: pd.DataFrame,
    offers: pd.DataFrame,
    best_posts: pd.DataFrame,
    reference_date: date,
    *,
    days: int = GUARANTEE_DAYS,
    near_days: int = NEAR_DAYS,
    posts_per_family: int = 3,
) -> pd.DataFrame:
    """Where every registered zero-employment family stands on ``reference_date``.

    Parameters
    ----------
    households : DataFrame
        ``household_id``, ``district``, ``zero_employment``, ``zero_employment_since``.
    seekers : DataFrame
        ``seeker_id``, ``household_id``: the registered members.
    offers : DataFrame
        ``seeker_id``, ``outcome``: offers made so far (this week's included).
    best_posts : DataFrame
        ``seeker_id``, ``post_id``, ``score``: the posts available to members, best first.
    reference_date : date
        The day of the run.
    days, near_days : int
        The guarantee period (20 days) and how close to the deadline counts as near.
    posts_per_family : int
        Best posts listed per family.

    Returns
    -------
    DataFrame
        One row per family certified on or before ``reference_date``, columns
        :data:`GUARANTEE_COLUMNS`, most urgent first (overdue, near, open, covered; then fewest
        days left, then id).
    """
    registered = pd.to_datetime(households["zero_employment_since"], errors="coerce")
    flagged = households["zero_employment"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    today = pd.Timestamp(reference_date)
    keep = flagged & registered.notna().to_numpy() & (registered <= today).to_numpy()
    families = households.loc[keep, [HOUSEHOLD_ID, DISTRICT]].astype("string")
    families = families.assign(**{REGISTERED: registered[keep].dt.date.to_numpy()})
    families = families.reset_index(drop=True)
    if families.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in GUARANTEE_COLUMNS})
    families[DEADLINE] = [d + timedelta(days=days) for d in families[REGISTERED]]
    families[DAYS_LEFT] = np.array(
        [(d - reference_date).days for d in families[DEADLINE]], dtype=np.int64
    )

    members = seekers.loc[:, [SEEKER_ID, HOUSEHOLD_ID]].astype("string")
    members = members[isin(members[HOUSEHOLD_ID], families[HOUSEHOLD_ID])]
    member_lists = members.sort_values(SEEKER_ID).groupby(HOUSEHOLD_ID)[SEEKER_ID].agg("|".join)
    covering = offers.loc[offers[OUTCOME].isin(COVERING_OUTCOMES), SEEKER_ID].astype(str)
    covered_households = set(members.loc[isin(members[SEEKER_ID], covering), HOUSEHOLD_ID])

    # Only members' pairs matter: a hash filter first spares merging millions of pairs.
    best_posts = best_posts.loc[isin(best_posts[SEEKER_ID], members[SEEKER_ID])]
    ranked = best_posts.merge(members, on=SEEKER_ID).sort_values(
        [HOUSEHOLD_ID, SCORE, POST_ID], ascending=[True, False, True], kind="stable"
    )
    ranked = ranked.drop_duplicates([HOUSEHOLD_ID, POST_ID])
    family_posts = (
        ranked.groupby(HOUSEHOLD_ID).head(posts_per_family).groupby(HOUSEHOLD_ID)[POST_ID]
    ).agg("|".join)

    ids = families[HOUSEHOLD_ID]
    status = np.where(
        isin(ids, covered_households),
        "covered",
        np.where(
            families[DAYS_LEFT] < 0,
            "overdue",
            np.where(families[DAYS_LEFT] <= near_days, "near", "open"),
        ),
    )
    families[STATUS] = status
    # Plain dicts: an empty groupby result has a float dtype that would not take "".
    members_of = {str(k): str(v) for k, v in member_lists.items()}
    posts_of = {str(k): str(v) for k, v in family_posts.items()}
    families[MEMBERS] = pd.array([members_of.get(h, "") for h in ids], dtype="string")
    families[BEST_POSTS] = pd.array([posts_of.get(h, "") for h in ids], dtype="string")
    urgency = families[STATUS].map({s: i for i, s in enumerate(STATUSES)})
    families = families.assign(_urgency=urgency).sort_values(
        ["_urgency", DAYS_LEFT, HOUSEHOLD_ID], kind="stable"
    )
    return families.loc[:, list(GUARANTEE_COLUMNS)].reset_index(drop=True)
