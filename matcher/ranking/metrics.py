"""Ranking and probability metrics over per-seeker lists: NDCG@k, recall@k, MAP, ROC AUC,
Brier score and a calibration table. Pure functions of arrays; ties are broken by row order so
results are deterministic."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

METRIC_NAMES: tuple[str, ...] = ("ndcg@10", "recall@10", "map", "auc", "brier")


def _ordered(
    groups: npt.NDArray[np.int64], scores: npt.NDArray[np.float64], labels: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Rows sorted by group then score descending; returns (group, label, rank from 1)."""
    order = np.lexsort((np.arange(len(scores)), -scores, groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes) + 1
    return sorted_groups, labels[order], rank


def ranking_metrics(
    groups: npt.ArrayLike, scores: npt.ArrayLike, labels: npt.ArrayLike, *, k: int = 10
) -> dict[str, float]:
    """Mean NDCG@k, recall@k and average precision over groups with at least one positive.

    Parameters
    ----------
    groups : array-like of int
        The list (seeker) of each row.
    scores : array-like of float
        Higher ranks first.
    labels : array-like of {0, 1}
        Whether the row is relevant (the placement worked).
    """
    g = np.asarray(groups, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if g.size == 0:
        return {f"ndcg@{k}": float("nan"), f"recall@{k}": float("nan"), "map": float("nan")}
    sg, sy, rank = _ordered(g, s, y)
    frame = pd.DataFrame({"g": sg, "y": sy, "rank": rank})
    frame["top"] = frame["rank"] <= k
    frame["gain"] = frame["y"] / np.log2(frame["rank"] + 1) * frame["top"]
    frame["hits"] = frame.groupby("g")["y"].cumsum()
    per = frame.groupby("g").agg(positives=("y", "sum"), dcg=("gain", "sum"))
    hits_at_k = frame[frame["top"]].groupby("g")["y"].sum()
    precision_at_hits = frame["hits"] / frame["rank"] * frame["y"]
    ap_sum = precision_at_hits.groupby(frame["g"]).sum()
    per["hits_at_k"] = hits_at_k.reindex(per.index).fillna(0.0)
    per["ap"] = ap_sum.reindex(per.index) / per["positives"].where(per["positives"] > 0)
    ideal_counts = np.minimum(per["positives"].to_numpy(), k).astype(np.int64)
    discounts = np.r_[0.0, np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))]
    per["idcg"] = discounts[ideal_counts]
    has = per["positives"] > 0
    per = per[has]
    if per.empty:
        return {f"ndcg@{k}": float("nan"), f"recall@{k}": float("nan"), "map": float("nan")}
    return {
        f"ndcg@{k}": float((per["dcg"] / per["idcg"]).mean()),
        f"recall@{k}": float((per["hits_at_k"] / per["positives"]).mean()),
        "map": float(per["ap"].mean()),
    }


def probability_metrics(scores: npt.ArrayLike, labels: npt.ArrayLike) -> dict[str, float]:
    """ROC AUC and Brier score (scores clipped to [0, 1] for the Brier score)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    auc = float(roc_auc_score(y, s)) if len(np.unique(y)) == 2 else float("nan")
    brier = float(brier_score_loss(y, np.clip(s, 0.0, 1.0))) if y.size else float("nan")
    return {"auc": auc, "brier": brier}


def calibration_table(
    scores: npt.ArrayLike, labels: npt.ArrayLike, *, bins: int = 10
) -> pd.DataFrame:
    """Predicted against observed rate in equal-width probability bins.

    Returns columns ``bin`` (e.g. ``"0.1-0.2"``), ``pairs``, ``mean_predicted``, ``observed``.
    """
    s = np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)
    y = np.asarray(labels, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, bins - 1)
    frame = pd.DataFrame({"bin": which, "s": s, "y": y})
    table = frame.groupby("bin").agg(
        pairs=("y", "size"), mean_predicted=("s", "mean"), observed=("y", "mean")
    )
    table = table.reindex(range(bins))
    table["pairs"] = table["pairs"].fillna(0).astype(int)
    table.insert(0, "range", [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in range(bins)])
    return table.reset_index(drop=True)


def all_metrics(
    groups: npt.ArrayLike, scores: npt.ArrayLike, labels: npt.ArrayLike
) -> dict[str, float]:
    """The five metrics of :data:`METRIC_NAMES`."""
    return {**ranking_metrics(groups, scores, labels, k=10), **probability_metrics(scores, labels)}
