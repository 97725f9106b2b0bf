"""Metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matcher.ranking.metrics import all_metrics, calibration_table, ranking_metrics


def test_perfect_and_reversed_rankings() -> None:
    groups = [0, 0, 0, 1, 1]
    labels = [1, 0, 0, 0, 1]
    perfect = ranking_metrics(groups, [3, 2, 1, 1, 2], labels, k=10)
    assert perfect == {"ndcg@10": 1.0, "recall@10": 1.0, "map": 1.0}
    worst = ranking_metrics(groups, [1, 2, 3, 2, 1], labels, k=10)
    # Group 0: positive at rank 3 → DCG 1/log2(4) = 0.5, AP 1/3.
    # Group 1: positive at rank 2 → DCG 1/log2(3), AP 1/2.
    assert worst["ndcg@10"] == pytest.approx((0.5 + 1 / math.log2(3)) / 2)
    assert worst["map"] == pytest.approx((1 / 3 + 1 / 2) / 2)


def test_recall_at_k_counts_only_the_top_k() -> None:
    groups = [0] * 4
    result = ranking_metrics(groups, [4, 3, 2, 1], [0, 1, 0, 1], k=2)
    assert result["recall@2"] == pytest.approx(0.5)


def test_groups_without_positives_are_skipped_and_ties_are_deterministic() -> None:
    metrics = ranking_metrics([0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 1, 0], k=10)
    assert metrics["ndcg@10"] == 1.0  # tie: first row first


def test_all_metrics_keys_and_calibration_table() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=2000)
    y = (rng.uniform(size=2000) < p).astype(int)
    metrics = all_metrics(np.arange(2000) // 20, p, y)
    assert set(metrics) == {"ndcg@10", "recall@10", "map", "auc", "brier"}
    table = calibration_table(p, y)
    assert table["pairs"].sum() == 2000
    filled = table.dropna()
    assert np.allclose(filled["mean_predicted"], filled["observed"], atol=0.1)
