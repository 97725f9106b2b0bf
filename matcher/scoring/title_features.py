"""Sparse features of cleaned job titles: character n-grams, jieba words and the title's head.

Chinese job titles are head-final: the last characters name the kind of work (``…员``,
``…经理``, ``…工程师``) and the first ones its field. Besides character 1–3-grams and jieba
words, :class:`TitleFeatures` adds the last one to three and the first two characters of each
``/`` alternative as their own tokens, so a model can weigh the head apart from the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from matcher.scoring.normalize import segment


def title_words(title: str) -> list[str]:
    """jieba words of a cleaned title, its ``/`` alternatives segmented apart."""
    return [word for part in title.split("/") for word in segment(part).split()]


def title_heads(title: str) -> list[str]:
    """Head and field tokens: ``E:`` + the last 1–3 and ``B:`` + the first 2 characters."""
    tokens: list[str] = []
    for part in title.split("/"):
        text = part.replace(" ", "")
        tokens.extend(f"E:{text[-k:]}" for k in (1, 2, 3) if len(text) >= k)
        if len(text) >= 2:
            tokens.append(f"B:{text[:2]}")
    return tokens


class TitleFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF over character 1–3-grams, jieba words and head tokens, L2-normalised together.

    Parameters
    ----------
    word_weight, head_weight : float
        Weight of the word and head blocks relative to the character block (1).
    """

    def __init__(self, *, word_weight: float = 0.7, head_weight: float = 0.7) -> None:
        self.word_weight = word_weight
        self.head_weight = head_weight

    def fit(self, titles: Sequence[str], y: object = None) -> TitleFeatures:
        """Learn the three vocabularies and their IDF weights from cleaned titles."""
        texts = list(titles)
        self.chars_ = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32
        ).fit(texts)
        self.words_ = TfidfVectorizer(
            analyzer=title_words, sublinear_tf=True, dtype=np.float32
        ).fit(texts)
        self.heads_ = TfidfVectorizer(
            analyzer=title_heads, sublinear_tf=True, dtype=np.float32
        ).fit(texts)
        return self

    def transform(self, titles: Sequence[str]) -> sparse.csr_matrix:
        """The feature rows of cleaned titles (one L2-normalised row per title)."""
        check_is_fitted(self, "chars_")
        texts = list(titles)
        blocks = [
            self.chars_.transform(texts),
            self.word_weight * self.words_.transform(texts),
            self.head_weight * self.heads_.transform(texts),
        ]
        return normalize(sparse.hstack(blocks, format="csr", dtype=np.float32))
