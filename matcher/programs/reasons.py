"""Words for the pairs a person reads: placements, and nothing else.

At province scale a programme has millions of candidate pairs; reason strings for all of them
would cost gigabytes for rows nobody opens, so reasons are built from the typed pair features
only for the pairs asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from matcher.schemas.columns import POST_ID, SEEKER_ID
from matcher.scoring.candidates import Candidates
from matcher.scoring.reasons import REASON_COLUMNS, explain


def pair_reasons(
    candidates: Candidates,
    pairs: pd.DataFrame,
    *,
    importance: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """:data:`~matcher.scoring.reasons.REASON_COLUMNS` for each row of ``pairs``
    (``seeker_id``, ``post_id``), aligned with it; missing where the pair is not a candidate."""
    positions = candidates.positions(
        pairs[SEEKER_ID].astype(str).to_numpy(), pairs[POST_ID].astype(str).to_numpy()
    )
    out = pd.DataFrame(
        {name: pd.Series(pd.NA, index=range(len(pairs)), dtype="string") for name in REASON_COLUMNS}
    )
    found = np.flatnonzero(positions >= 0)
    if found.size:
        chosen = candidates.pairs.iloc[positions[found]]
        explained = explain(chosen, candidates.seekers, candidates.posts, importance=importance)
        for name in REASON_COLUMNS:
            out.loc[found, name] = explained[name].to_numpy()
    return out
