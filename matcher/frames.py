"""Small DataFrame helpers that the hot paths share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def isin(values: pd.Series | pd.Index | np.ndarray, members: Iterable[Any]) -> np.ndarray:
    """Whether each of ``values`` is one of ``members``, as a boolean array.

    The same answer as ``Series.isin`` (a missing value matches only a missing member), found
    by factorising ``values`` and looking their distinct values up in a hash index of the
    distinct members. pandas 3 answers ``isin`` on its Arrow-backed strings by boxing every
    member as a pyarrow scalar in Python: 18 s for a column of 1.8 million candidate pairs,
    where this takes 0.2 s.
    """
    if isinstance(members, pd.Index | pd.Series | np.ndarray | pd.api.extensions.ExtensionArray):
        distinct = pd.Index(pd.unique(pd.Series(members, copy=False)))
    else:
        distinct = pd.Index(list(dict.fromkeys(members)))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hit = distinct.dropna().get_indexer(pd.Index(uniques)) >= 0
    found = np.zeros(len(codes), dtype=bool)
    present = codes >= 0
    found[present] = hit[codes[present]]
    if distinct.hasnans:
        found[~present] = True
    return found


__all__ = ["isin"]
