"""pandera schemas of the internal tables that cross module boundaries: scored candidate pairs,
the allocation's seekers and posts, a weekly run's placements and recommendation lists.

Column names come from :mod:`matcher.schemas.columns`. The input tables are declared in
:mod:`matcher.schemas.tables`; these tables are made by the library, so a failure here is a bug
upstream, not bad user data. Candidate pairs run to 15 million rows at province scale: they are
checked by :func:`check_table` with ``sample`` (names and dtypes of the whole frame, value checks
on the first rows only), the smaller tables in full.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from matcher.schemas.columns import (
    CAPACITY,
    CITY,
    FAMILY_ID,
    POST_ID,
    PROGRAM,
    RANK,
    REASON,
    SCORE,
    SEEKER_ID,
    TIER,
    ZERO_EMPLOYMENT,
)


def _id(*, unique: bool = False) -> pa.Column:
    # Ids are strings held in object (or pandas string) columns; only their presence is checked.
    return pa.Column(None, nullable=False, unique=unique)


def _finite() -> pa.Check:
    # NaN compares false too: neither NaN nor an infinity passes.
    return pa.Check(lambda values: values.abs() < np.inf, name="finite")


#: Scored candidate pairs, as every stage after scoring passes them on
#: (:data:`matcher.schemas.columns.CANDIDATE_PAIRS`; ``Candidates.scored()``).
CANDIDATE_PAIRS_SCHEMA = pa.DataFrameSchema(
    {SEEKER_ID: _id(), POST_ID: _id(), SCORE: pa.Column("float64", _finite())},
    name="candidate pairs",
)

#: The allocation's seekers (:data:`matcher.schemas.columns.ALLOCATION_SEEKERS`).
ALLOCATION_SEEKERS_SCHEMA = pa.DataFrameSchema(
    {
        SEEKER_ID: _id(unique=True),
        TIER: pa.Column("int64", pa.Check.ge(1)),
        FAMILY_ID: pa.Column(None, nullable=False),
        ZERO_EMPLOYMENT: pa.Column("int64", pa.Check.isin([0, 1])),
    },
    name="allocation seekers",
)

#: The allocation's posts (:data:`matcher.schemas.columns.ALLOCATION_POSTS`).
ALLOCATION_POSTS_SCHEMA = pa.DataFrameSchema(
    {
        POST_ID: _id(unique=True),
        CAPACITY: pa.Column("int64", pa.Check.ge(0)),
        CITY: pa.Column(None, nullable=False),
    },
    name="allocation posts",
)

#: A weekly run's placements (:data:`matcher.schemas.columns.PLACEMENTS`), one per seeker.
PLACEMENTS_SCHEMA = pa.DataFrameSchema(
    {
        SEEKER_ID: _id(unique=True),
        POST_ID: _id(),
        PROGRAM: pa.Column(None, nullable=False),
        TIER: pa.Column("Int64", pa.Check.ge(1), nullable=True),
        SCORE: pa.Column("float64", _finite()),
        REASON: pa.Column(None, nullable=False),
    },
    name="placements",
    strict=True,
    ordered=True,
)

#: A weekly run's recommendation lists (:data:`matcher.schemas.columns.RECOMMENDATIONS`).
RECOMMENDATIONS_SCHEMA = pa.DataFrameSchema(
    {
        SEEKER_ID: _id(),
        RANK: pa.Column(int, pa.Check.ge(1)),
        POST_ID: _id(),
        SCORE: pa.Column("float64", _finite()),
        REASON: pa.Column(None, nullable=False),
    },
    name="recommendations",
    strict=True,
    ordered=True,
    unique=[SEEKER_ID, RANK],
)


def check_table(
    schema: pa.DataFrameSchema, frame: pd.DataFrame, *, sample: int | None = None
) -> pd.DataFrame:
    """``frame`` if it fits ``schema``; raises ``pandera.errors.SchemaErrors`` naming every
    failure otherwise.

    ``sample``: check names and dtypes of the whole frame but values only on its first
    ``sample`` rows (for the candidate pairs: a full value check of 15 million rows would cost
    seconds on the hot path for what is a programming error).
    """
    # head() keeps the columns and their dtypes: the sample's dtype checks are the frame's.
    schema.validate(frame if sample is None else frame.head(sample), lazy=True)
    return frame


__all__ = [
    "ALLOCATION_POSTS_SCHEMA",
    "ALLOCATION_SEEKERS_SCHEMA",
    "CANDIDATE_PAIRS_SCHEMA",
    "PLACEMENTS_SCHEMA",
    "RECOMMENDATIONS_SCHEMA",
    "check_table",
]
