"""Chunked top-K equals the brute-force dense answer, whatever the chunk size."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.scoring.topk import _group_max, _topk_rows, chunked_topk, tfidf_topk, topk_dense


def _brute(dense: np.ndarray, k: int, cutoff: float) -> list[list[tuple[int, float]]]:
    result = []
    for row in dense:
        pairs = [(j, float(v)) for j, v in enumerate(row) if v >= cutoff and np.isfinite(v)]
        pairs.sort(key=lambda p: (-p[1], p[0]))
        result.append(pairs[:k])
    return result


def _as_lists(top, n_rows: int) -> list[list[tuple[int, float]]]:  # type: ignore[no-untyped-def]
    result: list[list[tuple[int, float]]] = [[] for _ in range(n_rows)]
    for q, t, s in zip(top.query, top.target, top.score, strict=True):
        result[q].append((int(t), float(s)))
    return result


@settings(max_examples=60, deadline=None)
@given(
    n_q=st.integers(1, 25),
    n_t=st.integers(1, 20),
    k=st.integers(1, 25),
    cells=st.integers(1, 200),
    seed=st.integers(0, 10_000),
    cutoff=st.sampled_from([0.0, 0.3]),
)
def test_chunked_equals_dense(
    n_q: int, n_t: int, k: int, cells: int, seed: int, cutoff: float
) -> None:
    rng = np.random.default_rng(seed)
    # Few distinct values so ties are common and the tie rule is exercised.
    q = sp.csr_matrix(rng.integers(0, 3, size=(n_q, 6)).astype(np.float32))
    t = sp.csr_matrix(rng.integers(0, 3, size=(n_t, 6)).astype(np.float32))
    dense = (q @ t.T).toarray()
    top = chunked_topk(q, t, k, score_cutoff=cutoff, chunk_cells=cells)
    assert _as_lists(top, n_q) == _brute(dense, k, cutoff)
    # Ranks run 1..n within each query.
    for row in range(n_q):
        ranks = top.rank[top.query == row]
        assert ranks.tolist() == list(range(1, len(ranks) + 1))


def test_row_groups_take_the_max_and_mask_filters() -> None:
    q = sp.csr_matrix(np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    t = sp.csr_matrix(np.array([[1, 0], [0, 1]], dtype=np.float32))
    groups = np.array([0, 0, 1])
    top = chunked_topk(q, t, 2, row_groups=groups)
    assert top.query.tolist() == [0, 0, 1, 1]
    assert top.score.tolist() == [1.0, 1.0, 1.0, 1.0]

    def only_second(start: int, stop: int) -> np.ndarray:
        mask = np.zeros((stop - start, 2), dtype=bool)
        mask[:, 1] = True
        return mask

    filtered = chunked_topk(q, t, 2, row_groups=groups, allowed=only_second)
    assert filtered.target.tolist() == [1, 1]


def test_rejects_bad_k() -> None:
    q = sp.csr_matrix(np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="'k' parameter"):
        chunked_topk(q, q, 0)


def test_topk_dense_prefers_lower_column_on_ties() -> None:
    columns, values = topk_dense(np.array([[0.5, 0.9, 0.5, 0.9]]), 3)
    assert columns.tolist() == [[1, 3, 0]]
    assert values.tolist() == [[np.float32(0.9), np.float32(0.9), np.float32(0.5)]]


def test_tfidf_topk_finds_the_chinese_title() -> None:
    targets = ["社区保洁员", "保安员", "会计", "厨师"]
    top = tfidf_topk(["保洁员", "保安", "会计师"], targets, 1)
    assert [targets[i] for i in top.target] == ["社区保洁员", "保安员", "会计"]


def test_tfidf_topk_with_no_targets() -> None:
    assert len(tfidf_topk(["保洁员"], ["", ""], 3)) == 0


@given(
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=30),
    n_cols=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_group_max_equals_reduceat(sizes: list[int], n_cols: int, seed: int) -> None:
    rows = np.random.default_rng(seed).random((sum(sizes), n_cols), dtype=np.float32)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    assert np.array_equal(_group_max(rows, first), np.maximum.reduceat(rows, first, axis=0))


@settings(max_examples=80, deadline=None)
@given(
    n_rows=st.integers(1, 8),
    n_cols=st.integers(1, 12),
    k=st.integers(1, 14),
    seed=st.integers(0, 2**16),
)
def test_topk_rows_equals_dense_with_ties_and_excluded_cells(
    n_rows: int, n_cols: int, k: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    block = rng.integers(0, 4, size=(n_rows, n_cols)).astype(np.float32) / 4
    block[rng.random((n_rows, n_cols)) < 0.3] = -np.inf  # filtered-out pairs
    rows, columns, scores, ranks = _topk_rows(block, k)
    dense_columns, dense_values = topk_dense(block, k)
    expected = [
        (r, int(c), float(v), rank + 1)
        for r in range(n_rows)
        for rank, (c, v) in enumerate(
            (c, v) for c, v in zip(dense_columns[r], dense_values[r], strict=True) if v > -np.inf
        )
    ]
    got = list(zip(rows.tolist(), columns.tolist(), scores.tolist(), ranks.tolist(), strict=True))
    assert got == expected
