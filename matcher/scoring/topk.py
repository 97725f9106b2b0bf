"""Chunked sparse top-K: the K most similar targets per query without a dense queries × targets
matrix.

Texts become L2-normalised TF-IDF vectors of character n-grams (Chinese has no spaces, so
characters and their bigrams/trigrams are the natural units; they also absorb small typos and
variant word orders). Cosine similarity is then a sparse product. The product is computed for
``chunk_size`` query rows at a time, reduced to the K best per row, and discarded, so peak
memory is ``chunk_size × n_targets`` floats whatever the number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Chunks are sized in cells (rows × targets) so a wide target set gets fewer rows per chunk.
DEFAULT_CHUNK_CELLS = 4_000_000


def char_ngram_vectorizer(ngram_range: tuple[int, int] = (1, 3)) -> TfidfVectorizer:
    """The TF-IDF vectoriser used everywhere titles are compared.

    Sublinear term frequency keeps a repeated character from dominating; ``float32`` halves the
    memory of every product.
    """
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=ngram_range,
        lowercase=False,  # titles arrive normalised
        sublinear_tf=True,
        dtype=np.float32,
    )


@dataclass(frozen=True)
class TopK:
    """The K best targets per query, in long form sorted by query then rank.

    Attributes
    ----------
    query, target : ndarray of int64
        Row numbers into the query and target sets.
    score : ndarray of float32
        Cosine similarity in [0, 1].
    rank : ndarray of int64
        1 for the best target of each query.
    """

    query: IntArray
    target: IntArray
    score: FloatArray
    rank: IntArray

    def __len__(self) -> int:
        return int(self.query.shape[0])


def topk_dense(scores: npt.NDArray[np.floating], k: int) -> tuple[IntArray, FloatArray]:
    """Best ``k`` columns of each row of a dense block, best first.

    Ties are broken by the lower column number, so results do not depend on the platform's
    partition algorithm. Returns ``(columns, values)`` of shape ``(rows, min(k, n_columns))``.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0 or n_rows == 0:
        return np.empty((n_rows, 0), np.int64), np.empty((n_rows, 0), np.float32)
    # A stable sort of the negated scores keeps equal scores in column order.
    columns = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(scores, columns, axis=1).astype(np.float32, copy=False)
    return columns.astype(np.int64, copy=False), values


def _topk_rows(
    block: npt.NDArray[np.float32], k: int
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """The best ``k`` entries of each row of a block of finite scores and ``-inf`` (never kept),
    in long form ``(row, column, score, rank)`` ordered by row then rank.

    Ties are broken by the lower column, as in :func:`topk_dense`. One partition finds each
    row's k-th largest score; everything above it is kept, and of the entries equal to it the
    lowest-numbered columns, as many as the row still needs: a few float32 passes over the
    block (ranking tie-free int64 keys of every cell, as before, took eight int64 passes and
    twice the time).
    """
    n_rows, n_cols = block.shape
    k = min(k, n_cols)
    if k <= 0 or n_rows == 0:
        none = np.empty(0, np.int64)
        return none, none, np.empty(0, np.float32), none
    if k < n_cols:
        kth = -np.partition(-block, k - 1, axis=1)[:, k - 1]
    else:
        kth = np.full(n_rows, -np.inf, dtype=block.dtype)
    # A row with fewer than k finite scores keeps them all (and never an -inf).
    floor = np.where(np.isfinite(kth), kth, np.finfo(block.dtype).min)[:, None]
    keep = block >= floor
    tied = np.flatnonzero(keep.sum(axis=1) > k)
    if tied.size:
        sub = block[tied]
        above = sub > floor[tied]
        equal = sub == floor[tied]
        wanted = k - above.sum(axis=1, keepdims=True)
        keep[tied] = above | (equal & (np.cumsum(equal, axis=1) <= wanted))
    row, column = np.nonzero(keep)
    score = block[row, column]
    order = np.lexsort((column, -score, row))
    row, column, score = row[order], column[order], score[order]
    rank = np.arange(row.size) - np.searchsorted(row, row) + 1
    return row.astype(np.int64), column.astype(np.int64), score, rank.astype(np.int64)


def _group_max(rows: npt.NDArray[np.float32], first: IntArray) -> npt.NDArray[np.float32]:
    """Column-wise maximum of each run of ``rows`` starting at ``first`` (sorted, distinct).

    The same as ``np.maximum.reduceat(rows, first, axis=0)``, which numpy runs segment by
    segment and is ~15× slower on many short runs (a seeker has a few desired titles): here
    the j-th row of every run longer than j is folded in with one gathered ``maximum``.
    """
    counts = np.diff(np.append(first, rows.shape[0]))
    out = rows[first]
    for j in range(1, int(counts.max(initial=1))):
        longer = np.flatnonzero(counts > j)
        if longer.size == counts.size:
            np.maximum(out, rows[first + j], out=out)
        else:
            out[longer] = np.maximum(out[longer], rows[first[longer] + j])
    return out


def chunked_topk(
    queries: sp.csr_matrix | sp.csr_array,
    targets: sp.csr_matrix | sp.csr_array,
    k: int,
    *,
    row_groups: IntArray | None = None,
    allowed: Callable[[int, int], BoolArray] | None = None,
    score_cutoff: float = 0.0,
    chunk_cells: int = DEFAULT_CHUNK_CELLS,
    missing_score: float = -np.inf,
) -> TopK:
    """K most similar targets per output row, computed chunk by chunk.

    Parameters
    ----------
    queries : sparse matrix, shape (n_query_rows, n_features)
        L2-normalised query vectors.
    targets : sparse matrix, shape (n_targets, n_features)
        L2-normalised target vectors (same feature space).
    k : int
        Targets kept per output row (fewer if fewer pass the filters).
    row_groups : ndarray of int, shape (n_query_rows,), optional
        Non-decreasing output-row number of each query row: several query rows (a seeker's
        desired titles) reduce to one output row by their maximum similarity. Default: one
        output row per query row.
    allowed : callable, optional
        ``allowed(start, stop)`` returns a boolean ``(stop - start, n_targets)`` mask of the pairs
        that pass the hard filters for output rows ``start:stop``; other pairs are never kept.
    score_cutoff : float
        Pairs scoring below this are dropped (use 0 to keep allowed pairs with no overlap).
    chunk_cells : int
        Upper bound on ``rows × targets`` of one dense block: the memory knob.
    missing_score : float
        Similarity of an output row that has no query rows (a seeker with no desired title):
        ``-inf`` drops such rows, ``0.0`` keeps them as candidates for every allowed target.

    Returns
    -------
    TopK
        In long form; ``query`` holds output-row numbers.
    """
    if k < 1:
        raise ValueError(f"The 'k' parameter of chunked_topk must be >= 1. Got {k!r} instead.")
    n_targets = targets.shape[0]
    n_query_rows = queries.shape[0]
    if row_groups is None:
        row_groups = np.arange(n_query_rows, dtype=np.int64)
    row_groups = np.asarray(row_groups, dtype=np.int64)
    if row_groups.shape[0] != n_query_rows:
        raise ValueError("row_groups must have one entry per query row")
    if n_query_rows and np.any(np.diff(row_groups) < 0):
        raise ValueError("row_groups must be non-decreasing")
    n_out = int(row_groups[-1]) + 1 if n_query_rows else 0
    empty = TopK(
        np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32), np.empty(0, np.int64)
    )
    if n_out == 0 or n_targets == 0:
        return empty

    # Boundaries of each output row's query rows.
    starts = np.searchsorted(row_groups, np.arange(n_out + 1))
    rows_per_chunk = max(1, chunk_cells // max(n_targets, 1))
    targets_t = sp.csc_matrix(targets.T)
    parts_q: list[IntArray] = []
    parts_t: list[IntArray] = []
    parts_s: list[FloatArray] = []
    parts_r: list[IntArray] = []
    out_start = 0
    while out_start < n_out:
        # Grow the chunk by output rows until the query rows inside it fill the budget.
        out_stop = min(n_out, out_start + rows_per_chunk)
        while out_stop > out_start + 1 and starts[out_stop] - starts[out_start] > rows_per_chunk:
            out_stop = out_start + max(1, (out_stop - out_start) // 2)
        q0, q1 = int(starts[out_start]), int(starts[out_stop])
        block = np.full((out_stop - out_start, n_targets), missing_score, dtype=np.float32)
        if q1 > q0:
            sims = (queries[q0:q1] @ targets_t).toarray()
            local = row_groups[q0:q1] - out_start
            # Max over each output row's query rows; rows with none keep ``missing_score``.
            present = np.unique(local)
            first = np.searchsorted(local, present)
            block[present] = _group_max(sims, first)
        if allowed is not None:
            mask = allowed(out_start, out_stop)
            block[~mask] = -np.inf
        block[~(block >= score_cutoff)] = -np.inf  # also NaN and +inf: never kept
        block[block == np.inf] = -np.inf
        rows, columns, values, ranks = _topk_rows(block, k)
        parts_q.append(rows + out_start)
        parts_t.append(columns)
        parts_s.append(values)
        parts_r.append(ranks)
        out_start = out_stop
    return TopK(
        np.concatenate(parts_q),
        np.concatenate(parts_t),
        np.concatenate(parts_s),
        np.concatenate(parts_r),
    )


def tfidf_topk(
    queries: Sequence[str],
    targets: Sequence[str],
    k: int,
    *,
    ngram_range: tuple[int, int] = (1, 3),
    score_cutoff: float = 0.0,
    chunk_cells: int = DEFAULT_CHUNK_CELLS,
) -> TopK:
    """Top-K targets for each query string by TF-IDF character n-gram cosine.

    The vectoriser is fitted on the targets (the vocabulary side); query n-grams unseen there
    contribute nothing, which is right: they cannot make a query closer to any target.
    """
    vectorizer = char_ngram_vectorizer(ngram_range)
    if not any(targets):
        return chunked_topk(sp.csr_matrix((len(queries), 1)), sp.csr_matrix((0, 1)), k)
    target_matrix = vectorizer.fit_transform(list(targets))
    query_matrix = vectorizer.transform(list(queries))
    return chunked_topk(
        query_matrix, target_matrix, k, score_cutoff=score_cutoff, chunk_cells=chunk_cells
    )
