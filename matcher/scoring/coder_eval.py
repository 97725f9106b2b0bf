"""Evaluate the title coder against two plain peers on labelled titles, by cross-validation.

In one run, on the same folds:

- the **TF-IDF baseline**: character 1–2-gram TF-IDF nearest neighbour over the vocabulary's
  occupation names and aliases (unsupervised, the ten-line baseline);
- the **linear-SVM peer**: a linear SVM over character 1–3-grams trained on the occupation
  names and aliases plus the training folds' titles (the twenty-line supervised peer);
- the **coder** (:class:`~matcher.scoring.coder.TitleCoder`), fitted on the training folds only
  (its calibration and threshold come from a cross-validation inside those folds).

No title is scored by a model that saw it. A prediction is right when its code lies under the
labelled code. Reported: top-1 at full coverage for each method, the coder's precision–coverage
curve, and its precision and coverage at its default threshold.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC

from matcher.scoring.coder import TitleCoder, occupation_rows, reliability_table
from matcher.scoring.hierarchy import lies_under

PEERS = ("tfidf_baseline", "svm_peer")


@dataclass
class CoderEvaluation:
    """What :func:`evaluate_coder` measured.

    Attributes
    ----------
    top1 : dict
        Top-1 accuracy at full coverage per method (``coder``, and with peers
        ``tfidf_baseline``, ``svm_peer`` and ``coder_unsupervised``, the coder's lexical part
        alone, as without labelled titles).
    seconds : dict
        Fit + predict time per method over all folds.
    curve : DataFrame
        The coder's precision–coverage curve: ``threshold``, ``coverage``, ``precision``.
    threshold_precision, threshold_coverage : float
        Precision and coverage at each fold's default threshold.
    thresholds : list of float
        The default threshold chosen inside each fold.
    reliability : DataFrame
        Out-of-fold reliability table of the calibrated scores.
    back_off : dict
        Titles below the threshold given a back-off group, and the share whose labelled code
        and group lie on one branch of the hierarchy.
    folds : int
    titles : int
    """

    top1: dict[str, float]
    seconds: dict[str, float]
    curve: pd.DataFrame
    threshold_precision: float
    threshold_coverage: float
    thresholds: list[float]
    reliability: pd.DataFrame
    back_off: dict[str, float]
    folds: int
    titles: int
    predictions: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def tfidf_baseline(
    vocabulary: pd.DataFrame,
) -> Callable[[Sequence[str]], list[str]]:
    """The unsupervised baseline: char 1–2-gram TF-IDF nearest name or alias of an occupation."""
    texts, owners = _occupation_texts(vocabulary)
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
    matrix = vectorizer.fit_transform(texts)
    codes = vocabulary["code"].astype(str).tolist()

    def predict(titles: Sequence[str]) -> list[str]:
        similarity = vectorizer.transform(list(titles)) @ matrix.T
        best = np.asarray(similarity.argmax(axis=1)).ravel()
        return [codes[owners[b]] for b in best]

    return predict


def svm_peer(
    vocabulary: pd.DataFrame, titles: Sequence[str], codes: Sequence[str], *, random_state: int = 0
) -> Callable[[Sequence[str]], list[str]]:
    """The supervised peer: linear SVM over char 1–3-grams of names, aliases and titles."""
    texts, owners = _occupation_texts(vocabulary)
    vocabulary_codes = vocabulary["code"].astype(str).tolist()
    documents = [*texts, *titles]
    targets = [*(vocabulary_codes[o] for o in owners), *codes]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    model = LinearSVC(random_state=random_state).fit(vectorizer.fit_transform(documents), targets)

    def predict(queries: Sequence[str]) -> list[str]:
        return [str(c) for c in model.predict(vectorizer.transform(list(queries)))]

    return predict


def _occupation_texts(vocabulary: pd.DataFrame) -> tuple[list[str], list[int]]:
    rows = occupation_rows(vocabulary)
    texts: list[str] = []
    owners: list[int] = []
    names = vocabulary["name"].astype(str).tolist()
    aliases = vocabulary["aliases"].astype(str).tolist()
    for row in rows.tolist():
        for text in [names[row], *aliases[row].split("|")]:
            if text.strip():
                texts.append(text.strip())
                owners.append(row)
    return texts, owners


def evaluate_coder(
    titles: Sequence[str],
    codes: Sequence[str],
    vocabulary: pd.DataFrame,
    *,
    folds: int = 5,
    peers: bool = True,
    random_state: int = 0,
    coder_params: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CoderEvaluation:
    """k-fold cross-validation of the coder and its peers on labelled titles.

    Parameters
    ----------
    titles, codes : sequence of str
        The labelled titles; a code may be coarse (``2-02-00-00``).
    vocabulary : DataFrame
        ``code``, ``name``, ``aliases`` (and ``level``).
    folds : int
        Number of folds (each title is scored once, by models fitted on the other folds).
    peers : bool
        Also run the TF-IDF baseline and the SVM peer.
    coder_params : dict, optional
        Parameters of :class:`TitleCoder` (fixed, not tuned on the folds).
    progress : callable, optional
        Called with a short message after each step (for a CLI progress line).
    """
    titles = [str(t) for t in titles]
    codes = [str(c) for c in codes]
    n = len(titles)
    predicted: dict[str, list[str]] = {"coder": [""] * n}
    if peers:
        predicted.update({peer: [""] * n for peer in PEERS})
    seconds = dict.fromkeys(predicted, 0.0)
    score = np.zeros(n)
    threshold_of = np.zeros(n)
    groups = [""] * n
    thresholds: list[float] = []
    splitter = KFold(folds, shuffle=True, random_state=random_state)
    baseline = None
    if peers:
        start = time.perf_counter()
        baseline = tfidf_baseline(vocabulary)
        seconds["tfidf_baseline"] += time.perf_counter() - start
        # The coder without labelled titles (its lexical part): it never sees a label, so one
        # pass over every title is already out of sample.
        start = time.perf_counter()
        unsupervised = TitleCoder(calibration_folds=0).fit([], [], vocabulary=vocabulary)
        predicted["coder_unsupervised"] = [str(c) for c in unsupervised.code(titles).codes[:, 0]]
        seconds["coder_unsupervised"] = time.perf_counter() - start
    for fold, (train, test) in enumerate(splitter.split(np.arange(n)), start=1):
        train_titles = [titles[i] for i in train]
        train_codes = [codes[i] for i in train]
        test_titles = [titles[i] for i in test]
        start = time.perf_counter()
        coder = TitleCoder(**(coder_params or {}), random_state=random_state)
        coder.fit(train_titles, train_codes, vocabulary=vocabulary)
        result = coder.code(test_titles)
        seconds["coder"] += time.perf_counter() - start
        thresholds.append(coder.threshold_)
        for position, i in enumerate(test):
            predicted["coder"][i] = str(result.codes[position, 0])
            score[i] = float(result.scores[position, 0])
            threshold_of[i] = coder.threshold_
            groups[i] = str(result.group_codes[position])
        if peers and baseline is not None:
            start = time.perf_counter()
            for i, code in zip(test, baseline(test_titles), strict=True):
                predicted["tfidf_baseline"][i] = code
            seconds["tfidf_baseline"] += time.perf_counter() - start
            start = time.perf_counter()
            peer = svm_peer(vocabulary, train_titles, train_codes, random_state=random_state)
            for i, code in zip(test, peer(test_titles), strict=True):
                predicted["svm_peer"][i] = code
            seconds["svm_peer"] += time.perf_counter() - start
        if progress is not None:
            progress(f"fold {fold}/{folds} done")
    right = {
        method: np.asarray(
            [bool(p) and lies_under(p, label) for p, label in zip(guesses, codes, strict=True)]
        )
        for method, guesses in predicted.items()
    }
    kept = score >= threshold_of
    backed = np.asarray([bool(g) for g in groups])
    backed_right = np.asarray(
        [
            bool(g) and (lies_under(c, g) or lies_under(g, c))
            for g, c in zip(groups, codes, strict=True)
        ]
    )
    predictions = pd.DataFrame(
        {
            "title": titles,
            "label": codes,
            **{method: guesses for method, guesses in predicted.items()},
            "score": score,
            "right": right["coder"],
            "group": groups,
        }
    )
    return CoderEvaluation(
        top1={method: float(r.mean()) if n else 0.0 for method, r in right.items()},
        seconds=seconds,
        curve=precision_coverage(score, right["coder"]),
        threshold_precision=float(right["coder"][kept].mean()) if kept.any() else float("nan"),
        threshold_coverage=float(kept.mean()) if n else 0.0,
        thresholds=thresholds,
        reliability=reliability_table(score, right["coder"]),
        back_off={
            "titles": int(backed.sum()),
            "share_of_below_threshold": float(backed.sum() / max(1, (~kept).sum())),
            "consistent": float(backed_right[backed].mean()) if backed.any() else float("nan"),
        },
        folds=folds,
        titles=n,
        predictions=predictions,
    )


def precision_coverage(
    scores: np.ndarray,
    right: np.ndarray,
    coverages: Sequence[float] = (0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
) -> pd.DataFrame:
    """Precision of the most confident ``coverage`` share of titles, for each coverage."""
    order = np.argsort(-scores, kind="stable")
    rows = []
    for coverage in coverages:
        count = max(1, round(coverage * len(order)))
        chosen = order[:count]
        rows.append(
            {
                "coverage": coverage,
                "threshold": float(scores[chosen].min()) if len(chosen) else float("nan"),
                "precision": float(right[chosen].mean()) if len(chosen) else float("nan"),
            }
        )
    return pd.DataFrame(rows)
