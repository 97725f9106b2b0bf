"""``matcher.frames.isin`` answers exactly as ``Series.isin`` does."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from matcher.frames import isin

_TEXT = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "辽", "", " a"]))


@given(values=st.lists(_TEXT, max_size=30), members=st.lists(_TEXT, max_size=10))
def test_matches_pandas_isin_on_strings(
    values: list[str | None], members: list[str | None]
) -> None:
    for dtype in ("str", object):
        series = pd.Series(values, dtype=dtype)
        expected = series.isin(members).to_numpy(dtype=bool)
        assert isin(series, members).tolist() == expected.tolist()
        assert isin(series, pd.Series(members, dtype=dtype)).tolist() == expected.tolist()
        assert isin(series, set(members)).tolist() == expected.tolist()


@given(
    values=st.lists(st.integers(-3, 3), max_size=30),
    members=st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["1", "2"])), max_size=10),
)
def test_matches_pandas_isin_on_integers(values: list[int], members: list[object]) -> None:
    series = pd.Series(values, dtype="int64")
    expected = series.isin(members).to_numpy(dtype=bool)
    assert isin(series, members).tolist() == expected.tolist()
    assert isin(series.to_numpy(), members).tolist() == expected.tolist()


def test_index_values_and_members() -> None:
    assert isin(pd.Index(["x", "y"]), pd.Index(["y"])).tolist() == [False, True]
    assert isin(np.array(["x", "y"]), {"x"}).tolist() == [True, False]
    assert isin(pd.Series([], dtype="str"), []).tolist() == []
