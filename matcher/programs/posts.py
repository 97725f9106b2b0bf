"""A programme's open posts: the one definition of "open" every stage uses.

A post takes placements when it belongs to the programme, its status is ``open`` and it has
places left. Places left are ``remaining`` where the table carries it (a weekly run's pool,
after earlier weeks' accepted and pending offers) and ``capacity`` otherwise (a dataset).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher.schemas.columns import CAPACITY, CITY, OPEN, POST_ID, PROGRAM, REMAINING, STATUS


def places_left(posts: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Places each post can still take: ``remaining`` if the table has it, else ``capacity``."""
    column = REMAINING if REMAINING in posts.columns else CAPACITY
    values = pd.to_numeric(posts[column], errors="coerce").fillna(0)
    return np.asarray(values.to_numpy(dtype=np.int64), dtype=np.int64)


def open_mask(posts: pd.DataFrame, program: str | None = None) -> npt.NDArray[np.bool_]:
    """Rows of ``posts`` that are open with places left (of ``program``, when given)."""
    keep = (posts[STATUS].astype("string") == OPEN).fillna(False).to_numpy(dtype=bool)
    if program is not None:
        keep &= (posts[PROGRAM].astype("string") == program).fillna(False).to_numpy(dtype=bool)
    keep &= places_left(posts) > 0
    return keep


def open_posts(posts: pd.DataFrame, program: str) -> pd.DataFrame:
    """The programme's open posts with places left, renumbered from 0 in input order."""
    return posts.loc[open_mask(posts, program)].reset_index(drop=True)


def allocation_posts(posts: pd.DataFrame) -> pd.DataFrame:
    """The allocation's posts table (:data:`matcher.schemas.columns.ALLOCATION_POSTS`):
    ``post_id``, ``capacity`` (the places left) and ``city``."""
    return pd.DataFrame(
        {
            POST_ID: posts[POST_ID].astype(str).to_numpy(),
            CAPACITY: places_left(posts),
            CITY: posts[CITY].astype(str).to_numpy(),
        }
    )
