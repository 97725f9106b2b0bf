"""The 20-day guarantee for zero-employment families of (三十九).

"保证20天内至少提供1个合适的就业岗位": every such family must be offered at least one suitable
post within 20 days of its certification (``households.zero_employment_since``). Each weekly
run tracks every certified family by the offers its members were made, each with the day it was
made and its outcome:

* *covered*: a member holds an offer (pending or accepted, not refused) made by the deadline;
* *covered late*: such an offer exists, but the first was made after the deadline — a breach;
* otherwise *open*, *near* (few days left) or *overdue* (the deadline has passed: a breach).

Refused offers cover nothing but stay on the record (``offers_made``, ``first_offer``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from matcher.frames import isin
from matcher.schemas.columns import (
    BEST_POSTS,
    COVERED_ON,
    DAYS_LEFT,
    DEADLINE,
    DISTRICT,
    FAMILIES,
    FIRST_OFFER,
    HOUSEHOLD_ID,
    MEMBERS,
    OFFERED,
    OFFERS_MADE,
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
FamilyStatus = Literal["covered", "covered_late", "open", "near", "overdue"]
#: Most urgent first: the order of the 20-day list.
STATUSES: tuple[str, ...] = ("overdue", "near", "open", "covered_late", "covered")
#: Statuses that break the guarantee.
BREACHES: tuple[str, ...] = ("overdue", "covered_late")
#: The families an officer must act on or account for: waiting, and the breaches.
WAITING_OR_BREACHED: tuple[str, ...] = ("overdue", "near", "open", "covered_late")
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
        ``seeker_id``, ``outcome``, ``offered`` (the day it was made): offers made so far
        (this week's included).
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
        :data:`GUARANTEE_COLUMNS`, most urgent first (:data:`STATUSES`; then fewest
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
    made = offers.loc[isin(offers[SEEKER_ID].astype(str), members[SEEKER_ID])]
    made = made.copy()
    made[SEEKER_ID] = made[SEEKER_ID].astype(str)
    made[OFFERED] = pd.to_datetime(made[OFFERED]).dt.date
    made["covering"] = made[OUTCOME].isin(COVERING_OUTCOMES).to_numpy()
    made = made.merge(members, on=SEEKER_ID)
    offers_made = made.groupby(HOUSEHOLD_ID).size()
    first_offer = made.groupby(HOUSEHOLD_ID)[OFFERED].min()
    covered_on = made.loc[made["covering"]].groupby(HOUSEHOLD_ID)[OFFERED].min()

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
    families[OFFERS_MADE] = offers_made.reindex(ids).fillna(0).astype(np.int64).to_numpy()
    families[FIRST_OFFER] = _dates(first_offer, ids)
    families[COVERED_ON] = _dates(covered_on, ids)
    covered = families[COVERED_ON].notna().to_numpy()
    late = np.array(
        [c is not None and c > d
         for c, d in zip(families[COVERED_ON], families[DEADLINE], strict=True)],
        dtype=bool,
    )  # fmt: skip
    status = np.where(
        late,
        "covered_late",
        np.where(
            covered,
            "covered",
            np.where(
                families[DAYS_LEFT] < 0,
                "overdue",
                np.where(families[DAYS_LEFT] <= near_days, "near", "open"),
            ),
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


def _dates(by_household: pd.Series, ids: pd.Series) -> pd.Series:
    """Dates per family in ``ids`` order, ``None`` where a family has none."""
    values = by_household.reindex(ids.to_numpy())
    return pd.Series([None if pd.isna(v) else v for v in values], index=ids.index, dtype=object)
