"""Code real recruitment-ad titles to CSCO occupations with a calibrated probability.

:class:`TitleCoder` combines three things:

- a **lexical** part: each title, cleaned (:func:`~matcher.scoring.adtitle.clean_title`), is
  compared with every name and alias of the vocabulary (character 1–3-grams, jieba words and
  head tokens, TF-IDF cosine); the best cosine per code, through a softmax, is a distribution
  over codes. It needs no labelled titles and serves every code of the vocabulary.
- a **supervised** part: a linear SVM over the same features, trained on labelled titles plus the
  names and aliases of the codes they carry; its decision values, through a softmax, are a
  distribution over the codes it was trained on. It serves those codes whenever the vocabulary
  has them (matched by code).
- the **hierarchy**: labels may be coarse (``2-02-00-00``), and answering a code is right when
  it lies under the label, so the probability that answering occupation ``c`` is right is the
  mass of every code ``c`` lies under (:func:`~matcher.scoring.hierarchy.ancestor_matrix`).
  When no occupation is probable enough but the mass of one minor (then middle) group is, that
  group is offered as the back-off answer.

The best occupation's raw probability is calibrated with isotonic regression fitted on
out-of-fold predictions of the labelled titles (cross-validation inside ``fit``), and the default
threshold is the lowest score whose out-of-fold precision reaches ``target_precision``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from matcher.scoring.adtitle import clean_many
from matcher.scoring.hierarchy import BACK_OFF_LEVELS, ancestor_matrix, group_of, lies_under
from matcher.scoring.title_features import TitleFeatures

# Queries scored per block: bounds the dense (titles x entries) similarity block's memory.
_BLOCK = 2048
# SVM weights smaller than this are dropped: 2 % of the weights remain, the shipped model is a
# few megabytes instead of a hundred, and held-out top-1 did not change (one 80/20 split of the
# development titles: 0.597 with and without pruning).
_PRUNE = 0.01


@dataclass(frozen=True)
class CodedTitles:
    """The coder's answer for a list of titles, in input order.

    Attributes
    ----------
    cleaned : list of str
        The cleaned titles.
    codes : ndarray of object, shape (n_titles, top)
        The best occupation codes, best first ("" when the title is empty).
    scores : ndarray of float, shape (n_titles, top)
        Calibrated probability that each code is right.
    group_codes : ndarray of object, shape (n_titles,)
        The back-off group (minor, else middle) whose calibrated probability reaches the
        threshold when the best occupation's does not; "" otherwise.
    group_scores : ndarray of float, shape (n_titles,)
        Calibrated probability that the title's occupation lies in that group.
    """

    cleaned: list[str]
    codes: np.ndarray
    scores: np.ndarray
    group_codes: np.ndarray
    group_scores: np.ndarray


def vocabulary_entries(vocabulary: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Cleaned names and aliases of a vocabulary and the row of the code each belongs to.

    The CSCO markers ``L`` (green) and ``S`` (digital) at the end of a name are dropped.
    """
    texts: list[str] = []
    owners: list[int] = []
    for row, (name, aliases) in enumerate(
        zip(vocabulary["name"].tolist(), vocabulary["aliases"].tolist(), strict=True)
    ):
        raw = [str(name).rstrip("LS") or str(name), *str(aliases).split("|")]
        seen: set[str] = set()
        for cleaned in clean_many(raw):
            if cleaned and cleaned not in seen:
                seen.add(cleaned)
                texts.append(cleaned)
                owners.append(row)
    return texts, np.asarray(owners, dtype=np.int64)


def occupation_rows(vocabulary: pd.DataFrame) -> np.ndarray:
    """Rows of the vocabulary that are occupations: ``level == 4`` if given, else leaves."""
    if "level" in vocabulary.columns:
        return np.flatnonzero(vocabulary["level"].astype(str).str.strip() == "4")
    codes = vocabulary["code"].tolist()
    has_child = np.zeros(len(codes), dtype=bool)
    inside = ancestor_matrix(codes, codes).tocoo()
    for row, column in zip(inside.row.tolist(), inside.col.tolist(), strict=True):
        if row != column:
            has_child[column] = True
    return np.flatnonzero(~has_child)


@lru_cache(maxsize=8)
def _back_off_cached(codes: tuple[str, ...]) -> tuple[np.ndarray, list[str], sparse.csr_matrix]:
    group_codes: list[str] = []
    index: dict[str, int] = {}
    group_of_row = np.full(len(codes), -1, dtype=np.int64)
    for row, code in enumerate(codes):
        for level in BACK_OFF_LEVELS:
            group = group_of(code, level)
            if group is not None:
                group_of_row[row] = index.setdefault(group, len(group_codes))
                if group_of_row[row] == len(group_codes):
                    group_codes.append(group)
                break
    # related[g, j] = 1 when code j lies under group g or g lies under code j (a coarse label).
    below = ancestor_matrix(list(codes), group_codes).T
    above = ancestor_matrix(group_codes, list(codes))
    related = (below + above).tocsr()
    related.data = np.minimum(related.data, 1.0)
    return group_of_row, group_codes, related


def _back_off_tables(codes: list[str]) -> tuple[np.ndarray, list[str], sparse.csr_matrix]:
    """Each code row's back-off group (index, -1 if none), the group codes, and the matrix of
    codes related to each group (under it, or above it as a coarse label)."""
    return _back_off_cached(tuple(codes))


def _softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    scaled = values * temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    np.exp(scaled, out=scaled)
    scaled /= scaled.sum(axis=1, keepdims=True)
    return scaled


class TitleCoder(BaseEstimator):
    """Lexical + supervised occupation coder with hierarchy back-off and calibrated scores.

    Parameters
    ----------
    temperature : float
        Softmax temperature of the SVM's decision values.
    lexical_temperature : float
        Softmax temperature of the lexical cosine.
    lexical_weight : float
        Share of the lexical distribution in the mixture when the supervised part is present
        (with no labelled titles the lexical part is used alone).
    C : float
        The SVM's regularisation parameter.
    calibration_folds : int
        Folds of the cross-validation inside ``fit`` that produces out-of-fold scores for the
        calibration and the threshold. Fewer than 2 (or too few titles) skips calibration: the
        raw probabilities are used and the threshold is ``target_precision``.
    target_precision : float
        The default threshold is the lowest calibrated score at which the out-of-fold
        precision of the titles at or above it reaches this.
    random_state : int
        Seed of the calibration folds and the SVM.

    Attributes
    ----------
    codes_ : list of str
        The vocabulary's codes (every level).
    names_ : list of str
        Their names.
    occupations_ : ndarray of int
        Rows of ``codes_`` that are occupations (the answers).
    classes_ : ndarray of str
        Codes the supervised part was trained on (empty without labelled titles).
    weights_ : sparse matrix or None
        The SVM's pruned weights, one row per class (``None`` without labelled titles).
    intercept_ : ndarray of float32
    calibrator_ : IsotonicRegression or None
    group_calibrator_ : IsotonicRegression or None
    threshold_ : float
        The default threshold on calibrated scores.
    reliability_ : DataFrame
        Out-of-fold reliability table: ``bin``, ``titles``, ``mean_score``, ``precision``.
    """

    def __init__(
        self,
        *,
        temperature: float = 10.0,
        lexical_temperature: float = 20.0,
        lexical_weight: float = 0.05,
        C: float = 1.0,
        calibration_folds: int = 3,
        target_precision: float = 0.85,
        random_state: int = 0,
    ) -> None:
        self.temperature = temperature
        self.lexical_temperature = lexical_temperature
        self.lexical_weight = lexical_weight
        self.C = C
        self.calibration_folds = calibration_folds
        self.target_precision = target_precision
        self.random_state = random_state

    # ---------------------------------------------------------------------------------------
    # fitting
    # ---------------------------------------------------------------------------------------
    def fit(
        self, titles: Sequence[object], codes: Sequence[str], *, vocabulary: pd.DataFrame
    ) -> TitleCoder:
        """Fit on labelled titles (may be empty) and a vocabulary (``code``, ``name``,
        ``aliases``, optionally ``level``).

        Labelled codes missing from the vocabulary are ignored: the coder answers only codes
        of its vocabulary.
        """
        self._fit_parts(titles, codes, vocabulary)
        self.calibrator_: IsotonicRegression | None = None
        self.group_calibrator_: IsotonicRegression | None = None
        self.threshold_ = float(self.target_precision)
        self.reliability_ = pd.DataFrame(columns=["bin", "titles", "mean_score", "precision"])
        known = [i for i, code in enumerate(codes) if code in set(self.codes_)]
        if self.calibration_folds >= 2 and len(known) >= 10 * self.calibration_folds:
            self._calibrate([titles[i] for i in known], [codes[i] for i in known], vocabulary)
        return self

    def _fit_parts(
        self, titles: Sequence[object], codes: Sequence[str], vocabulary: pd.DataFrame
    ) -> None:
        self.codes_ = [str(c) for c in vocabulary["code"].tolist()]
        self.names_ = [str(n) for n in vocabulary["name"].tolist()]
        self.occupations_ = occupation_rows(vocabulary)
        row_of = {code: row for row, code in enumerate(self.codes_)}
        entry_texts, entry_rows = vocabulary_entries(vocabulary)
        labelled = [
            (title, row_of[str(code)])
            for title, code in zip(clean_many(titles), codes, strict=True)
            if title and str(code) in row_of
        ]
        self.features_ = TitleFeatures().fit(entry_texts + [t for t, _ in labelled])
        order = np.argsort(entry_rows, kind="stable")
        self.entry_rows_ = entry_rows[order]
        self.entries_ = self.features_.transform([entry_texts[i] for i in order])
        # For every code row, the targets it lies under (itself included).
        self.inside_ = ancestor_matrix(self.codes_, self.codes_)
        self.classes_ = np.asarray([], dtype=object)
        self.weights_: sparse.csr_matrix | None = None
        self.intercept_ = np.zeros(0, dtype=np.float32)
        if labelled:
            label_rows = np.asarray([row for _, row in labelled], dtype=np.int64)
            served = np.unique(label_rows)
            # The names and aliases of the labelled codes are training examples too.
            keep = np.isin(entry_rows, served)
            texts = [t for t, k in zip(entry_texts, keep, strict=True) if k] + [
                t for t, _ in labelled
            ]
            targets = np.concatenate([entry_rows[keep], label_rows])
            if len(np.unique(targets)) >= 2:
                svm = LinearSVC(C=self.C, random_state=self.random_state)
                svm.fit(self.features_.transform(texts), targets)
                coef = np.where(np.abs(svm.coef_) >= _PRUNE, svm.coef_, 0.0)
                if len(svm.classes_) == 2:  # one hyperplane: the second class's side
                    coef = np.vstack([-coef, coef])
                    intercept = np.r_[-svm.intercept_, svm.intercept_]
                else:
                    intercept = svm.intercept_
                self.weights_ = sparse.csr_matrix(coef.astype(np.float32))
                self.intercept_ = intercept.astype(np.float32)
                self.classes_ = np.asarray([self.codes_[r] for r in svm.classes_], dtype=object)

    def _calibrate(
        self, titles: Sequence[object], codes: Sequence[str], vocabulary: pd.DataFrame
    ) -> None:
        """Out-of-fold raw scores → isotonic calibration, reliability table, threshold."""
        folds = KFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
        raw = np.zeros(len(titles))
        right = np.zeros(len(titles), dtype=bool)
        group_raw = np.zeros(len(titles))
        group_right = np.zeros(len(titles), dtype=bool)
        for train, test in folds.split(np.arange(len(titles))):
            inner = TitleCoder(**{**self.get_params(), "calibration_folds": 0})
            inner._fit_parts([titles[i] for i in train], [codes[i] for i in train], vocabulary)
            best, best_raw, group, group_score = inner._best([titles[i] for i in test])
            for position, i in enumerate(test):
                raw[i] = best_raw[position]
                right[i] = bool(best[position]) and lies_under(best[position], codes[i])
                group_raw[i] = group_score[position]
                group_right[i] = bool(group[position]) and (
                    lies_under(codes[i], group[position]) or lies_under(group[position], codes[i])
                )
        self.calibrator_ = IsotonicRegression(
            y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True
        ).fit(raw, right.astype(float))
        self.group_calibrator_ = IsotonicRegression(
            y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True
        ).fit(group_raw, group_right.astype(float))
        calibrated = self.calibrator_.predict(raw)
        self.threshold_ = choose_threshold(calibrated, right, self.target_precision)
        self.reliability_ = reliability_table(calibrated, right)

    # ---------------------------------------------------------------------------------------
    # vocabulary swap
    # ---------------------------------------------------------------------------------------
    def with_vocabulary(self, vocabulary: pd.DataFrame) -> TitleCoder:
        """A copy answering codes of another vocabulary (e.g. a CSCO 2022 file from elsewhere).

        The lexical part is rebuilt over the new names and aliases; the supervised part keeps
        serving the codes it was trained on that the new vocabulary has (matched by code);
        calibration and threshold are kept.
        """
        check_is_fitted(self, "codes_")
        other = TitleCoder(**self.get_params())
        other.__dict__.update(self.__dict__)
        other.codes_ = [str(c) for c in vocabulary["code"].tolist()]
        other.names_ = [str(n) for n in vocabulary["name"].tolist()]
        other.occupations_ = occupation_rows(vocabulary)
        entry_texts, entry_rows = vocabulary_entries(vocabulary)
        order = np.argsort(entry_rows, kind="stable")
        other.entry_rows_ = entry_rows[order]
        other.entries_ = self.features_.transform([entry_texts[i] for i in order])
        other.inside_ = ancestor_matrix(other.codes_, other.codes_)
        return other

    # ---------------------------------------------------------------------------------------
    # scoring
    # ---------------------------------------------------------------------------------------
    def label_probabilities(self, cleaned: Sequence[str]) -> np.ndarray:
        """Mixture distribution over the vocabulary's codes (rows sum to 1) for cleaned titles."""
        check_is_fitted(self, "codes_")
        queries = self.features_.transform(list(cleaned))
        lexical = _softmax(self._best_cosine(queries), self.lexical_temperature)
        if self.weights_ is None:
            return lexical
        row_of = {code: row for row, code in enumerate(self.codes_)}
        served = [(i, row_of[code]) for i, code in enumerate(self.classes_) if code in row_of]
        if not served:
            return lexical
        columns = np.asarray([i for i, _ in served])
        rows = np.asarray([r for _, r in served])
        decision = np.asarray((queries @ self.weights_.T).toarray()) + self.intercept_
        supervised = np.zeros_like(lexical)
        supervised[:, rows] = _softmax(decision[:, columns], self.temperature)
        return (1.0 - self.lexical_weight) * supervised + self.lexical_weight * lexical

    def _best_cosine(self, queries: sparse.csr_matrix) -> np.ndarray:
        """Best cosine per code over its names and aliases, shape (titles, codes)."""
        result = np.zeros((queries.shape[0], len(self.codes_)), dtype=np.float64)
        if self.entries_.shape[0] == 0:
            return result
        starts = np.flatnonzero(np.r_[True, self.entry_rows_[1:] != self.entry_rows_[:-1]])
        owners = self.entry_rows_[starts]
        for begin in range(0, queries.shape[0], _BLOCK):
            block = (queries[begin : begin + _BLOCK] @ self.entries_.T).toarray()
            result[begin : begin + _BLOCK, owners] = np.maximum.reduceat(block, starts, axis=1)
        return result

    def _best(
        self, titles: Sequence[object], top: int = 1
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Raw (uncalibrated) best occupations and best back-off groups of raw titles."""
        cleaned = clean_many(titles)
        codes, scores, groups, group_scores, _ = self._score_cleaned(cleaned, top)
        return codes[:, 0], scores[:, 0], groups, group_scores

    def _score_cleaned(
        self, cleaned: list[str], top: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        unique = sorted({t for t in cleaned if t})
        n_top = max(1, min(top, len(self.occupations_)))
        codes = np.full((len(cleaned), n_top), "", dtype=object)
        scores = np.zeros((len(cleaned), n_top))
        groups = np.full(len(cleaned), "", dtype=object)
        group_scores = np.zeros(len(cleaned))
        if not unique or len(self.occupations_) == 0:
            return codes, scores, groups, group_scores, cleaned
        position = {t: i for i, t in enumerate(unique)}
        u_codes = np.full((len(unique), n_top), "", dtype=object)
        u_scores = np.zeros((len(unique), n_top))
        u_groups = np.full(len(unique), "", dtype=object)
        u_group_scores = np.zeros(len(unique))
        occupation_inside = self.inside_[self.occupations_]
        for begin in range(0, len(unique), _BLOCK):
            chunk = unique[begin : begin + _BLOCK]
            labels = self.label_probabilities(chunk)
            # P(answer right) for each occupation: the mass of every code it lies under.
            right = np.asarray(occupation_inside @ labels.T).T
            best = np.argsort(-right, axis=1, kind="stable")[:, :n_top]
            u_codes[begin : begin + len(chunk)] = np.asarray(self.codes_, dtype=object)[
                self.occupations_[best]
            ]
            u_scores[begin : begin + len(chunk)] = np.take_along_axis(right, best, axis=1)
            group, group_score = self._back_off(labels, self.occupations_[best[:, 0]])
            u_groups[begin : begin + len(chunk)] = group
            u_group_scores[begin : begin + len(chunk)] = group_score
        index = np.asarray([position.get(t, -1) for t in cleaned])
        present = index >= 0
        codes[present] = u_codes[index[present]]
        scores[present] = u_scores[index[present]]
        groups[present] = u_groups[index[present]]
        group_scores[present] = u_group_scores[index[present]]
        return codes, scores, groups, group_scores, cleaned

    def _back_off(self, labels: np.ndarray, best_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per title, the best occupation's minor group (else middle group) and its raw mass:
        the probability that the title's occupation lies in that group."""
        group_of_row, group_codes, related = _back_off_tables(self.codes_)
        groups = group_of_row[best_rows]
        masses = np.zeros(len(best_rows))
        has = groups >= 0
        if has.any() and related.shape[0]:
            mass = np.asarray(related @ labels.T).T  # (titles, groups)
            masses[has] = mass[np.flatnonzero(has), groups[has]]
        names = np.asarray([*group_codes, ""], dtype=object)
        return names[np.where(has, groups, len(group_codes))], masses

    def code(self, titles: Sequence[object], *, top: int = 1) -> CodedTitles:
        """Code titles: the ``top`` best occupations with calibrated scores, plus back-off.

        Parameters
        ----------
        titles : sequence
            Raw titles; empty or non-string entries get empty codes and score 0.
        top : int
            Occupations returned per title, best first.
        """
        check_is_fitted(self, "codes_")
        cleaned = clean_many(titles)
        codes, raw, groups, group_raw, _ = self._score_cleaned(cleaned, top)
        scores = self.calibrate(raw)
        group_scores = (
            self.group_calibrator_.predict(group_raw)
            if self.group_calibrator_ is not None
            else group_raw
        )
        # The group is the back-off answer only where the occupation is not sure enough.
        backed = (scores[:, 0] < self.threshold_) & (group_scores >= self.threshold_)
        groups = np.where(backed, groups, "")
        group_scores = np.where(backed, group_scores, 0.0)
        return CodedTitles(cleaned, codes, scores, groups, group_scores)

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probability for raw scores (identity without a calibrator)."""
        if self.calibrator_ is None:
            return np.asarray(raw, dtype=np.float64)
        flat = np.asarray(raw, dtype=np.float64).ravel()
        return np.asarray(self.calibrator_.predict(flat)).reshape(np.shape(raw))

    def name_of(self, code: str) -> str:
        """The vocabulary name of a code ("" if unknown)."""
        try:
            return self.names_[self.codes_.index(code)]
        except ValueError:
            return ""


def choose_threshold(scores: np.ndarray, right: np.ndarray, target_precision: float) -> float:
    """The lowest score whose titles at or above it have precision ≥ ``target_precision``.

    Precision at a threshold is computed over every title scoring at least it. Returns 1.0 when
    no threshold reaches the target (nothing is coded without review).
    """
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    cumulative = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    best = 1.0
    for position in range(len(order)):
        # Only cut between distinct scores: titles with equal scores go together.
        if position + 1 < len(order) and sorted_scores[position + 1] == sorted_scores[position]:
            continue
        if cumulative[position] >= target_precision:
            best = float(sorted_scores[position])
    return best


def reliability_table(scores: np.ndarray, right: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Titles, mean calibrated score and observed precision per score decile."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        rows.append(
            {
                "bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                "titles": int(members.sum()),
                "mean_score": float(scores[members].mean()) if members.any() else float("nan"),
                "precision": float(right[members].mean()) if members.any() else float("nan"),
            }
        )
    return pd.DataFrame(rows)
