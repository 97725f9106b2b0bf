"""``matcher candidates``: output contract, feeds allocate, bad model refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main
from matcher.ranking.persist import card_path


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_candidates_writes_scored_pairs_with_reasons(
    scoring_small_dir: Path, scoring_model_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "C.csv"
    args = ["candidates", str(scoring_small_dir), "--program", "welfare", "--k", "5"]
    assert _run([*args, "--model", str(scoring_model_path), "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"seeker_id": str, "post_id": str})
    assert list(table.columns[:3]) == ["seeker_id", "post_id", "score"]
    assert table["score"].between(0, 1).all()
    assert table.groupby("seeker_id").size().max() <= 5
    assert {"reasons_zh", "reasons_en", "missing_skills"} <= set(table.columns)
    # Only welfare-eligible seekers, only open welfare posts.
    posts = pd.read_csv(scoring_small_dir / "posts.csv", dtype=str)
    welfare_open = set(
        posts.loc[(posts.program == "welfare") & (posts.status == "open"), "post_id"]
    )
    assert set(table["post_id"]) <= welfare_open


def test_incompatible_model_is_refused_with_advice(
    scoring_small_dir: Path, scoring_model_path: Path, tmp_path: Path
) -> None:
    model = tmp_path / "old.joblib"
    model.write_bytes(scoring_model_path.read_bytes())
    card = json.loads(card_path(scoring_model_path).read_text(encoding="utf-8"))
    card["versions"]["scikit-learn"] = "0.24.2"
    card_path(model).write_text(json.dumps(card), encoding="utf-8")
    out = tmp_path / "C.csv"
    args = ["candidates", str(scoring_small_dir), "--program", "welfare", "--out", str(out)]
    assert _run([*args, "--model", str(model)]) == 4
    assert not out.exists()


def test_missing_model_is_a_message(scoring_small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "C.csv"
    args = ["candidates", str(scoring_small_dir), "--program", "welfare", "--out", str(out)]
    assert _run([*args, "--model", str(tmp_path / "none.joblib")]) == 4
    assert not out.exists()
