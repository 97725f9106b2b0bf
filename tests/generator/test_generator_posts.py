"""Post requirements drawn by the generator: the education shift covers the whole scale."""

from __future__ import annotations

import numpy as np
import pytest

from matcher import reference
from matcher.generator.posts import _shift_education

LEVELS = reference.EDUCATION_LEVELS


@pytest.mark.parametrize("level", LEVELS)
def test_education_shift_moves_at_most_one_level_within_the_scale(level: str) -> None:
    shifted = _shift_education(np.random.default_rng(0), np.full(2_000, level))
    rank = LEVELS.index(level)
    neighbours = set(LEVELS[max(rank - 1, 0) : rank + 2])
    # Every neighbour is reached (a fifth of 2,000 each way), nothing further away is.
    assert set(shifted.tolist()) == neighbours


def test_every_education_level_is_reachable_including_doctorate() -> None:
    # The shift once clipped at index 6 (master): doctorate was never produced, and a doctorate
    # requirement came out as master.
    requirements = np.repeat(np.array(LEVELS), 500)
    shifted = _shift_education(np.random.default_rng(1), requirements)
    assert set(shifted.tolist()) == set(LEVELS)
    assert "doctorate" in set(_shift_education(np.random.default_rng(2), np.full(500, "master")))
