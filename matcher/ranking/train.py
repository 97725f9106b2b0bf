"""Training the ranker on historical placements and evaluating it on held-out seekers.

Protocol (the same for training and ``ranker evaluate``):

1. Seekers are split by a seeded hash of their id (a quarter held out by default), so no seeker
   is in both training and evaluation, and the split does not depend on the table's order.
2. The ranker is fitted on the training seekers' historical referrals; the label is "hired and
   retained 12 months".
3. Evaluation lists: for (a seeded sample of) held-out seekers, the top-K candidates among the
   dataset's open posts (blocked by city, hard filters). Each pair's outcome is drawn once from
   the generator's true success probability, with a fixed seed, as if every referral had been
   made. The four methods rank the same lists: ``random``, ``fuzzy`` (the title score with the
   best training AUC, alone), ``ranker`` and ``oracle`` (the true probability itself, available
   only because the data is synthetic; its metrics are the ceiling noise allows).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score

from matcher.errors import DataValidationError, MatcherError, Problem
from matcher.generator.truth import expected_outcome, load_truth
from matcher.io.load import load_dataset
from matcher.programs.posts import open_mask
from matcher.programs.seekers import program_eligibility
from matcher.ranking.estimator import PlacementRanker
from matcher.ranking.metrics import METRIC_NAMES, all_metrics, calibration_table
from matcher.scoring.candidates import PROGRAMS_WITH_POLICY, generate_candidates
from matcher.scoring.features import (
    FEATURE_NAMES,
    PreparedPosts,
    PreparedSeekers,
    pair_features,
    prepare_posts,
    prepare_seekers,
)

# Title scores the ``fuzzy`` baseline may choose from, with their scale to [0, 1].
FUZZY_FEATURES: dict[str, float] = {
    "title_tfidf": 1.0,
    "title_ratio": 100.0,
    "title_partial": 100.0,
    "title_token_set": 100.0,
}
METHODS: tuple[str, ...] = ("random", "fuzzy", "ranker", "oracle")


@dataclass
class TrainingData:
    """Historical referrals as features and labels."""

    features: pd.DataFrame
    labels: npt.NDArray[np.int64]
    seeker_ids: npt.NDArray[np.object_]
    post_programs: npt.NDArray[np.object_]


@dataclass
class Evaluation:
    """Metrics per method on held-out seekers' candidate lists."""

    metrics: dict[str, dict[str, float]]
    calibration: pd.DataFrame
    fuzzy_feature: str
    seekers: int
    pairs: int
    positive_rate: float


@dataclass
class TrainingResult:
    model: PlacementRanker
    card: dict[str, Any]
    evaluation: Evaluation | None
    timings: dict[str, float] = field(default_factory=dict)


def load_tables(directory: str | Path) -> tuple[dict[str, pd.DataFrame], date]:
    """Validated tables of a dataset directory, through the shared loader."""
    dataset = load_dataset(
        directory, tables=("seekers", "households", "employers", "posts", "placements")
    )
    return dict(dataset.tables), dataset.reference_date


def held_out(
    seeker_ids: pd.Series, *, test_share: float = 0.25, seed: int = 0
) -> npt.NDArray[np.bool_]:
    """True for seekers in the evaluation group: a seeded hash of the id, order-independent."""
    key = hashlib.sha256(f"matcher-split-{seed}".encode()).hexdigest()[:16]
    hashes = pd.util.hash_pandas_object(seeker_ids.astype(str), index=False, hash_key=key)
    return np.asarray((hashes.to_numpy() % 10_000) < int(test_share * 10_000))


def program_tiers(
    seekers: pd.DataFrame, households: pd.DataFrame, reference_date: date
) -> dict[str, pd.Series]:
    """Each seeker's priority tier per program with a policy (NA where not eligible)."""
    tiers: dict[str, pd.Series] = {}
    for program in PROGRAMS_WITH_POLICY:
        result = program_eligibility(seekers, households, program, reference_date)
        tiers[program] = (
            result["tier"].where(result["eligible"].astype(bool)).reset_index(drop=True)
        )
    return tiers


def training_data(
    tables: dict[str, pd.DataFrame], reference_date: date
) -> tuple[TrainingData, PreparedSeekers, PreparedPosts]:
    """Features and labels of every historical referral."""
    if "placements" not in tables or tables["placements"].empty:
        raise DataValidationError(
            [Problem("placements.csv", None, None, None, "training needs historical placements")]
        )
    seekers, posts, placements = tables["seekers"], tables["posts"], tables["placements"]
    seeker_side = prepare_seekers(seekers, reference_date)
    post_side = prepare_posts(posts)
    seeker_index = pd.Index(seekers["seeker_id"].astype(str)).get_indexer(
        pd.Index(placements["seeker_id"].astype(str))
    )
    post_index = pd.Index(posts["post_id"].astype(str)).get_indexer(
        pd.Index(placements["post_id"].astype(str))
    )
    features = pair_features(seeker_side, post_side, seeker_index, post_index)
    programs = posts["program"].astype(str).to_numpy(dtype=object)[post_index]
    tiers = program_tiers(seekers, tables["households"], reference_date)
    tier = np.full(len(placements), np.nan, dtype=np.float32)
    for program, values in tiers.items():
        rows = programs == program
        tier[rows] = values.to_numpy(dtype=np.float32, na_value=np.nan)[seeker_index[rows]]
    features["tier"] = tier
    hired = placements["hired"].astype(bool).to_numpy()
    retained = placements["retained_12m"].astype(bool).to_numpy()
    return (
        TrainingData(
            features=features.loc[:, list(FEATURE_NAMES)],
            labels=(hired & retained).astype(np.int64),
            seeker_ids=placements["seeker_id"].astype(str).to_numpy(dtype=object),
            post_programs=programs,
        ),
        seeker_side,
        post_side,
    )


def dataset_fingerprint(directory: str | Path) -> str:
    """SHA-256 over the dataset's public table files (names and bytes), sorted by name."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).iterdir()):
        if path.is_file() and path.suffix in (".csv", ".parquet", ".xlsx"):
            digest.update(path.name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


def best_fuzzy_feature(features: pd.DataFrame, labels: npt.NDArray[np.int64]) -> str:
    """The title score with the highest AUC on the given (training) pairs."""
    best, best_auc = "title_tfidf", -1.0
    for name in FUZZY_FEATURES:
        values = features[name].fillna(0.0).to_numpy()
        auc = roc_auc_score(labels, values) if len(np.unique(labels)) == 2 else 0.5
        if auc > best_auc:
            best, best_auc = name, float(auc)
    return best


def evaluate_model(
    directory: str | Path,
    tables: dict[str, pd.DataFrame],
    reference_date: date,
    model: PlacementRanker,
    *,
    fuzzy_feature: str,
    test_share: float = 0.25,
    split_seed: int = 0,
    k: int = 50,
    max_seekers: int = 5_000,
    random_state: int = 0,
) -> Evaluation:
    """Metrics of the four methods on held-out seekers' candidate lists (see module text)."""
    try:
        truth = load_truth(directory)
    except MatcherError as error:
        raise MatcherError(
            f"evaluation needs the generator's ground truth: {error}. "
            "Evaluate on a directory written by `matcher generate`."
        ) from error
    seekers, posts = tables["seekers"], tables["posts"]
    test = held_out(seekers["seeker_id"], test_share=test_share, seed=split_seed)
    rng = np.random.default_rng(random_state)
    chosen = np.flatnonzero(test)
    if chosen.size > max_seekers:
        chosen = np.sort(rng.choice(chosen, size=max_seekers, replace=False))
    eval_seekers = seekers.iloc[chosen].reset_index(drop=True)
    open_posts = posts.loc[open_mask(posts)].reset_index(drop=True)
    candidates = generate_candidates(eval_seekers, open_posts, reference_date, k=k)
    pairs = candidates.pairs
    if pairs.empty:
        raise MatcherError("no candidate pairs for the held-out seekers: nothing to evaluate")
    pair_ids = pd.DataFrame(
        {"seeker_id": candidates.seeker_ids(), "post_id": candidates.post_ids()}
    )
    true_p = expected_outcome(eval_seekers, open_posts, pair_ids, truth)["p_success"].to_numpy()
    labels = (rng.uniform(size=true_p.size) < true_p).astype(np.int64)
    groups = pairs["seeker"].to_numpy(dtype=np.int64)
    features = pairs.loc[:, list(FEATURE_NAMES)]
    scores = {
        "random": rng.uniform(size=true_p.size),
        "fuzzy": features[fuzzy_feature].fillna(0.0).to_numpy() / FUZZY_FEATURES[fuzzy_feature],
        "ranker": model.score_pairs(features),
        "oracle": true_p,
    }
    metrics = {method: all_metrics(groups, scores[method], labels) for method in METHODS}
    return Evaluation(
        metrics=metrics,
        calibration=calibration_table(scores["ranker"], labels),
        fuzzy_feature=fuzzy_feature,
        seekers=int(pairs["seeker"].nunique()),
        pairs=len(pairs),
        positive_rate=float(labels.mean()),
    )


def train_from_dir(
    directory: str | Path,
    *,
    test_share: float = 0.25,
    split_seed: int = 0,
    evaluate: bool = True,
    max_eval_seekers: int = 5_000,
    parameters: dict[str, Any] | None = None,
) -> TrainingResult:
    """Train the ranker on a dataset's history, evaluate it, and build its model card."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    tables, reference_date = load_tables(directory)
    timings["load"] = time.perf_counter() - start
    start = time.perf_counter()
    data, _, _ = training_data(tables, reference_date)
    timings["features"] = time.perf_counter() - start
    test = held_out(pd.Series(data.seeker_ids), test_share=test_share, seed=split_seed)
    train_x, train_y = data.features[~test], data.labels[~test]
    model = PlacementRanker(**(parameters or {}))
    start = time.perf_counter()
    model.fit(train_x, train_y)
    timings["fit"] = time.perf_counter() - start
    fuzzy = best_fuzzy_feature(train_x, train_y)

    # Permutation importance on held-out history: which features the model leans on (also
    # orders the reasons). A sample keeps it quick.
    test_x, test_y = data.features[test], data.labels[test]
    sample = np.random.default_rng(0).permutation(len(test_x))[:10_000]
    importance = permutation_importance(
        model,
        test_x.iloc[sample],
        test_y[sample],
        scoring="roc_auc",
        n_repeats=2,
        random_state=0,
    )
    manifest: dict[str, Any] = {}
    manifest_path = Path(directory) / "manifest.json"
    if manifest_path.is_file():
        import json

        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    card: dict[str, Any] = {
        "training_data": {
            "directory": str(directory),
            "sha256": dataset_fingerprint(directory),
            "scale": manifest.get("scale", "unknown"),
            "seed": manifest.get("seed", "unknown"),
            "reference_date": reference_date.isoformat(),
            "placements": len(data.labels),
            "training_pairs": len(train_y),
            "training_seekers": int(pd.Series(data.seeker_ids[~test]).nunique()),
            "positive_rate": round(float(data.labels.mean()), 4),
            "held_out_history_auc": round(
                float(roc_auc_score(test_y, model.score_pairs(test_x)))
                if len(np.unique(test_y)) == 2
                else float("nan"),
                4,
            ),
            "split": f"seeded hash of seeker_id, {test_share:.0%} held out, seed {split_seed}",
        },
        "parameters": model.get_params(),
        "importance": {
            name: round(float(value), 5)
            for name, value in zip(FEATURE_NAMES, importance.importances_mean, strict=True)
        },
        "fuzzy_feature": fuzzy,
        "split": {"test_share": test_share, "seed": split_seed},
    }
    evaluation = None
    if evaluate:
        start = time.perf_counter()
        evaluation = evaluate_model(
            directory,
            tables,
            reference_date,
            model,
            fuzzy_feature=fuzzy,
            test_share=test_share,
            split_seed=split_seed,
            max_seekers=max_eval_seekers,
        )
        timings["evaluate"] = time.perf_counter() - start
        card["evaluation"] = {
            method: {m: round(v, 4) for m, v in values.items()}
            for method, values in evaluation.metrics.items()
        }
        card["evaluation_protocol"] = (
            f"{evaluation.seekers} held-out seekers, {evaluation.pairs} candidate pairs "
            f"(top-50 open posts per seeker, blocked by city); outcomes drawn once from the "
            f"true success probability (positive rate {evaluation.positive_rate:.3f}); "
            f"fuzzy baseline = {fuzzy}."
        )
        card["calibration"] = [
            {
                "range": row["range"],
                "pairs": int(row["pairs"]),
                "mean_predicted": None
                if pd.isna(row["mean_predicted"])
                else round(float(row["mean_predicted"]), 4),
                "observed": None if pd.isna(row["observed"]) else round(float(row["observed"]), 4),
            }
            for _, row in evaluation.calibration.iterrows()
        ]
    card["timings_seconds"] = {key: round(value, 2) for key, value in timings.items()}
    return TrainingResult(model, card, evaluation, timings)


__all__ = [
    "METHODS",
    "METRIC_NAMES",
    "Evaluation",
    "TrainingResult",
    "evaluate_model",
    "train_from_dir",
]
