"""The internal tables' pandera schemas: what they accept, what they refuse, and that the
programme and weekly-run boundaries check them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.errors
import pytest

from matcher.programs.place import place
from matcher.schemas.columns import (
    ALLOCATION_POSTS,
    ALLOCATION_SEEKERS,
    CANDIDATE_PAIRS,
    PLACEMENTS,
    RECOMMENDATIONS,
)
from matcher.schemas.internal import (
    ALLOCATION_POSTS_SCHEMA,
    ALLOCATION_SEEKERS_SCHEMA,
    CANDIDATE_PAIRS_SCHEMA,
    PLACEMENTS_SCHEMA,
    RECOMMENDATIONS_SCHEMA,
    check_table,
)


def _seekers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seeker_id": ["S1", "S2"],
            "tier": np.array([1, 2], dtype=np.int64),
            "family_id": ["H1", "H2"],
            "zero_employment": np.array([1, 0], dtype=np.int64),
        }
    )


def _posts() -> pd.DataFrame:
    return pd.DataFrame(
        {"post_id": ["P1"], "capacity": np.array([1], dtype=np.int64), "city": ["2101"]}
    )


def _pairs(score: list[float] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {"seeker_id": ["S1", "S2"], "post_id": ["P1", "P1"], "score": score or [0.5, 0.25]}
    )


def test_schemas_name_the_columns_constants() -> None:
    assert tuple(CANDIDATE_PAIRS_SCHEMA.columns) == CANDIDATE_PAIRS
    assert tuple(ALLOCATION_SEEKERS_SCHEMA.columns) == ALLOCATION_SEEKERS
    assert tuple(ALLOCATION_POSTS_SCHEMA.columns) == ALLOCATION_POSTS
    assert tuple(PLACEMENTS_SCHEMA.columns) == PLACEMENTS
    assert tuple(RECOMMENDATIONS_SCHEMA.columns) == RECOMMENDATIONS


def test_good_tables_pass_unchanged() -> None:
    for schema, frame in (
        (ALLOCATION_SEEKERS_SCHEMA, _seekers()),
        (ALLOCATION_POSTS_SCHEMA, _posts()),
        (CANDIDATE_PAIRS_SCHEMA, _pairs()),
    ):
        assert check_table(schema, frame) is frame


@pytest.mark.parametrize(
    ("schema", "frame"),
    [
        (ALLOCATION_SEEKERS_SCHEMA, _seekers().assign(seeker_id=["S1", "S1"])),
        (ALLOCATION_SEEKERS_SCHEMA, _seekers().assign(tier=np.array([0, 1], dtype=np.int64))),
        (ALLOCATION_SEEKERS_SCHEMA, _seekers().assign(zero_employment=np.array([2, 0]))),
        (ALLOCATION_POSTS_SCHEMA, _posts().assign(capacity=np.array([-1], dtype=np.int64))),
        (ALLOCATION_POSTS_SCHEMA, _posts().drop(columns="city")),
        (CANDIDATE_PAIRS_SCHEMA, _pairs([0.5, float("nan")])),
        (CANDIDATE_PAIRS_SCHEMA, _pairs().assign(score=["0.5", "0.25"])),
    ],
)
def test_bad_tables_are_refused(schema: object, frame: pd.DataFrame) -> None:
    with pytest.raises(pandera.errors.SchemaErrors):
        check_table(schema, frame)  # type: ignore[arg-type]


def test_a_sample_checks_values_on_its_rows_and_dtypes_on_all() -> None:
    late_nan = _pairs([0.5, float("nan")])
    assert check_table(CANDIDATE_PAIRS_SCHEMA, late_nan, sample=1) is late_nan
    with pytest.raises(pandera.errors.SchemaErrors):
        check_table(CANDIDATE_PAIRS_SCHEMA, late_nan.astype({"score": "float32"}), sample=1)


def test_placement_checks_its_tables_on_entry() -> None:
    placed = place("welfare", _seekers(), _posts(), _pairs(), families=False)
    assert placed.allocation.assignments["seeker_id"].tolist() == ["S1"]
    with pytest.raises(pandera.errors.SchemaErrors):
        place("welfare", _seekers(), _posts(), _pairs([0.5, float("inf")]), families=False)
