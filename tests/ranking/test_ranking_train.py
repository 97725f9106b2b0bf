"""Training on history, grouped split, evaluation against baselines, persistence, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.cli import main
from matcher.errors import ModelCompatibilityError
from matcher.ranking.persist import card_path, load_card, load_model, render_model_card, save_model
from matcher.ranking.train import held_out, train_from_dir
from matcher.scoring.features import FEATURE_NAMES


def test_split_is_seeded_balanced_and_order_independent() -> None:
    ids = pd.Series([f"S{i:07d}" for i in range(20_000)])
    mask = held_out(ids)
    assert 0.23 < mask.mean() < 0.27
    shuffled = ids.sample(frac=1.0, random_state=1)
    assert (held_out(shuffled) == mask[shuffled.index.to_numpy()]).all()
    assert (held_out(ids, seed=1) != mask).any()


def test_training_beats_baselines_on_held_out_seekers(ranking_small_dir: Path) -> None:
    result = train_from_dir(ranking_small_dir, parameters={"max_iter": 60}, max_eval_seekers=400)
    assert result.evaluation is not None
    metrics = result.evaluation.metrics
    assert list(metrics) == ["random", "fuzzy", "ranker", "oracle"]
    for values in metrics.values():
        assert set(values) == {"ndcg@10", "recall@10", "map", "auc", "brier"}
    assert metrics["ranker"]["auc"] > metrics["random"]["auc"] + 0.1
    assert metrics["ranker"]["ndcg@10"] > metrics["random"]["ndcg@10"]
    assert metrics["oracle"]["auc"] >= metrics["ranker"]["auc"] - 0.02
    assert metrics["ranker"]["brier"] < metrics["random"]["brier"]
    card = result.card
    assert card["training_data"]["training_pairs"] < card["training_data"]["placements"]
    assert set(card["importance"]) == set(FEATURE_NAMES)
    markdown = render_model_card({**card, "features": list(FEATURE_NAMES)})
    assert "| ranker |" in markdown and card["training_data"]["sha256"] in markdown


def test_persistence_round_trip_and_refusals(ranking_model_path: Path, tmp_path: Path) -> None:
    model, card = load_model(ranking_model_path)
    x = pd.DataFrame(np.zeros((3, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES))
    copy = save_model(model, card, tmp_path / "copy.joblib")
    again, _ = load_model(copy)
    np.testing.assert_array_equal(model.score_pairs(x), again.score_pairs(x))

    changed = load_card(copy)
    changed["features"] = changed["features"][:-1]
    card_path(copy).write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(ModelCompatibilityError, match=r"[Rr]etrain"):
        load_model(copy)
    with pytest.raises(ModelCompatibilityError, match="no ranking model"):
        load_model(tmp_path / "missing.joblib")


def test_cli_evaluate_json(ranking_small_dir: Path, ranking_model_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["ranker", "evaluate", str(ranking_small_dir), "--model", str(ranking_model_path)]
    with pytest.raises(SystemExit) as info:
        main([*args, "--json", "--max-eval-seekers", "200"])
    assert info.value.code == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["random", "fuzzy", "ranker", "oracle"]
    assert all(set(v) == {"ndcg@10", "recall@10", "map", "auc", "brier"} for v in payload.values())


def test_cli_train_writes_model_and_card(ranking_small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.joblib"
    card = tmp_path / "CARD.md"
    args = ["ranker", "train", str(ranking_small_dir), "--out", str(out), "--card", str(card)]
    with pytest.raises(SystemExit) as info:
        main([*args, "--no-evaluate", "--max-iter", "20"])
    assert info.value.code == 0
    assert out.exists() and card_path(out).exists()
    assert "Model card" in card.read_text(encoding="utf-8")
