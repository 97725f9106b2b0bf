"""PlacementRanker is a well-behaved scikit-learn estimator and learns a non-linear signal."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from matcher.ranking.estimator import PlacementRanker


@parametrize_with_checks([PlacementRanker(max_iter=10, cv=2)])
def test_sklearn_compatible(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_learns_interaction_and_is_calibrated() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(6000, 3))
    # XOR-like interaction with a threshold: linear models cannot get this.
    p = np.where((x[:, 0] > 0.5) ^ (x[:, 1] > 0.5), 0.8, 0.1)
    y = (rng.uniform(size=len(p)) < p).astype(int)
    model = PlacementRanker(max_iter=100).fit(x[:4000], y[:4000])
    scores = model.score_pairs(x[4000:])
    assert roc_auc_score(y[4000:], scores) > 0.8
    # Calibrated: mean predicted probability close to the observed rate.
    assert abs(scores.mean() - y[4000:].mean()) < 0.03


def test_unfitted_and_bad_parameters() -> None:
    with pytest.raises(NotFittedError):
        PlacementRanker().predict_proba(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="calibration"):
        PlacementRanker(calibration="magic").fit(np.zeros((4, 1)), [0, 1, 0, 1])  # type: ignore[arg-type]
