"""``PlacementRanker``: gradient-boosted trees with probability calibration.

A real scikit-learn estimator: ``__init__`` only stores parameters, ``fit`` returns ``self``,
learned state ends in ``_``, ``check_is_fitted`` guards prediction. Missing feature values
(NaN: no desired title, no reservation wage …) are handled natively by the trees.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits


class PlacementRanker(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a referral works out.

    Parameters
    ----------
    max_iter : int, default=300
        Boosting iterations (early stopping may use fewer).
    learning_rate : float, default=0.2
        0.2 (with early stopping, about 65 iterations) rather than 0.08 (173): scoring cost
        grows with the number of trees, and the slower rate bought +0.004 of NDCG@10 for 2.6×
        the scoring time (models/MODEL_CARD.md).
    max_leaf_nodes : int, default=31
    max_depth : int or None, default=None
        Depth limit of each tree. Prediction walks one root-to-leaf path per tree, so its cost
        is iterations × depth: shallow trees are what makes scoring 15 million pairs cheap.
    min_samples_leaf : int, default=40
    l2_regularization : float, default=1.0
    calibration : {"isotonic", "sigmoid"}, default="isotonic"
        How probabilities are calibrated on held-out folds.
    cv : int, default=3
        Folds of the calibration.
    random_state : int or None, default=0
    n_threads : int or None, default=1
        OpenMP threads for fitting and prediction; ``None`` lets the library use every core.
        One is the default because OpenMP threads spin while waiting: on a machine shared with
        other work, more threads than free cores made fitting 20 times slower, not faster.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present when fitted on a DataFrame with string column names.
    calibrated_ : CalibratedClassifierCV
        The fitted, calibrated model.
    n_iter_ : int
        Boosting iterations run (the most over the calibration folds).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "l2_regularization": [Interval(Real, 0, None, closed="left")],
        "calibration": [StrOptions({"isotonic", "sigmoid"})],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        max_iter: int = 300,
        learning_rate: float = 0.2,
        max_leaf_nodes: int = 31,
        max_depth: int | None = None,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        calibration: Literal["isotonic", "sigmoid"] = "isotonic",
        cv: int = 3,
        random_state: int | None = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.calibration = calibration
        self.cv = cv
        self.random_state = random_state
        self.n_threads = n_threads

    def _booster(self, n_samples: int) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            max_depth=self.max_depth,
            min_samples_leaf=min(self.min_samples_leaf, max(1, n_samples // 10)),
            l2_regularization=self.l2_regularization,
            # Early stopping on a validation split only when there is data enough for one.
            early_stopping=n_samples >= 10_000,
            random_state=self.random_state,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> PlacementRanker:
        """Fit the boosted trees and their calibration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pair features; NaN allowed.
        y : array-like of shape (n_samples,)
            1 if the placement worked (hired and retained 12 months), else 0.

        Returns
        -------
        self : PlacementRanker
        """
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        n_samples = X.shape[0]
        _, counts = np.unique(y, return_counts=True)
        folds = int(min(self.cv, counts.min())) if len(counts) > 1 else 0
        booster = self._booster(n_samples)
        self.calibrated_: CalibratedClassifierCV | HistGradientBoostingClassifier
        if folds >= 2:
            # ensemble=False: the calibrator learns from out-of-fold predictions, then one booster
            # is refitted on all the data, so scoring costs one model, not ``cv`` of them
            # (scoring 15 million candidate pairs is the hot path).
            self.calibrated_ = CalibratedClassifierCV(
                booster, method=self.calibration, cv=folds, ensemble=False
            )
        else:
            # Too few of a class to hold a fold out: no calibration is possible, so the raw
            # model answers (only for tiny inputs, such as scikit-learn's own checks).
            self.calibrated_ = booster
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            self.calibrated_.fit(X, y)
        if isinstance(self.calibrated_, CalibratedClassifierCV):
            iterations = [c.estimator.n_iter_ for c in self.calibrated_.calibrated_classifiers_]
            self.n_iter_ = int(max(iterations))
        else:
            self.n_iter_ = int(self.calibrated_.n_iter_)
        return self

    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """Class probabilities; column 1 is P(placement works)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            return np.asarray(self.calibrated_.predict_proba(X), dtype=np.float64)

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The more likely class."""
        proba = self.predict_proba(X)
        return np.asarray(self.classes_[np.argmax(proba, axis=1)])

    def score_pairs(self, X: Any) -> npt.NDArray[np.float64]:
        """P(placement works) for each row: the positive class's probability."""
        proba = self.predict_proba(X)
        if len(self.classes_) == 1:
            return np.full(proba.shape[0], float(self.classes_[0] == 1))
        return proba[:, list(self.classes_).index(1) if 1 in self.classes_ else -1]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
