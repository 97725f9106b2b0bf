"""Training history generator and base assessment: determinism, shrinkage, decisions, CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matcher.cli import main
from matcher.io.load import Dataset
from matcher.training.assess import assess_bases
from matcher.training.history import HISTORY_COLUMNS, make_training_history
from matcher.training.rules import load_budget_rules


def test_history_is_a_pure_function_of_sessions_and_seed(training_dataset: Dataset) -> None:
    sessions = training_dataset["training_sessions"]
    first = make_training_history(sessions, seed=3).history
    again = make_training_history(sessions.sample(frac=1.0, random_state=0), seed=3).history
    other = make_training_history(sessions, seed=4).history
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert tuple(first.columns) == HISTORY_COLUMNS
    pairs = set(zip(sessions["base_id"], sessions["specialty"], strict=True))
    assert set(zip(first["base_id"], first["specialty"], strict=True)) <= pairs
    assert (first["passed"] <= first["trainees"]).all()
    assert (first["employed_6m"] <= first["passed"]).all()
    assert first["record_id"].is_unique


def test_shrinkage_estimates_the_truth_better_than_raw_rates(training_dataset: Dataset) -> None:
    generated = make_training_history(training_dataset["training_sessions"], seed=5)
    bases = assess_bases(generated.history, load_budget_rules()).bases
    truth = generated.truth.assign(rate=generated.truth["p_pass"] * generated.truth["p_employed"])
    merged = bases.merge(truth, on=["base_id", "specialty"])
    raw_error = float(((merged["employment_rate"] - merged["rate"]) ** 2).mean())
    shrunk_error = float(((merged["employment_shrunk"] - merged["rate"]) ** 2).mean())
    assert shrunk_error < raw_error


def _history(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": [f"R{i}" for i in range(len(rows))],
            "base_id": [base for base, _, _ in rows],
            "specialty": "welder",
            "city": "2101",
            "period": "2008H2",
            "end_date": pd.Timestamp("2008-08-01"),
            "trainees": [t for _, t, _ in rows],
            "passed": [t for _, t, _ in rows],
            "employed_6m": [e for _, _, e in rows],
            "cost_yuan": [t * 1400 for _, t, _ in rows],
        }
    )


def test_small_classes_are_not_judged_on_luck() -> None:
    # Pool: 50 % employed. A big base far below it is dropped; a tiny base with 0 of 4 is not.
    history = _history(
        [("BIG_GOOD", 400, 240), ("BIG_BAD", 200, 30), ("TINY", 4, 0), ("LUCKY", 3, 3)]
    )
    frame = assess_bases(history, load_budget_rules()).bases
    bases: dict[Any, dict[Any, Any]] = frame.set_index("base_id").to_dict("index")
    assert bases["BIG_BAD"]["decision"] == "drop"
    assert bases["TINY"]["decision"] != "drop"
    assert bases["BIG_GOOD"]["decision"] == "keep"
    pool = float(bases["TINY"]["specialty_rate"])
    for base in ("TINY", "LUCKY"):  # pulled most of the way back to the pool
        raw = float(bases[base]["employment_rate"])
        shrunk = float(bases[base]["employment_shrunk"])
        assert abs(shrunk - pool) < abs(raw - pool) / 2
    assert bases["BIG_GOOD"]["rank"] == 1  # 60 % on 400 beats a perfect 3 of 3
    assert (frame["employment_low"] <= frame["employment_shrunk"]).all()
    assert (frame["employment_shrunk"] <= frame["employment_high"]).all()
    assert bases["BIG_GOOD"]["cost_per_employed"] == round(400 * 1400 / 240)


def test_assess_cli_derives_history_then_reads_a_given_one(
    training_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "assessment"
    bare = tmp_path / "bare"  # the generated data without its training history
    bare.mkdir()
    for file in training_dir.glob("*.*"):
        if file.name != "training_history.csv":
            (bare / file.name).write_bytes(file.read_bytes())
    with pytest.raises(SystemExit) as exit_info:
        main(["training", "assess", str(bare), "--out", str(out)])
    assert exit_info.value.code == 0
    # rich wraps long lines: compare with the whitespace collapsed
    assert "derived a synthetic history" in " ".join(capsys.readouterr().err.split())
    bases = pd.read_csv(out / "assessment.csv")
    assert set(bases["decision"]) <= {"keep", "watch", "drop"}

    given = tmp_path / "given"
    given.mkdir()
    for file in training_dir.glob("*.csv"):
        (given / file.name).write_bytes(file.read_bytes())
    (given / "manifest.json").write_bytes((training_dir / "manifest.json").read_bytes())
    history = _history([("B1", 30, 10), ("B2", 40, 30)])
    history.to_csv(given / "training_history.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["training", "assess", str(given)])
    assert exit_info.value.code == 0
    assert "derived" not in " ".join(capsys.readouterr().err.split())

    history.loc[1, "passed"] = 99  # more than the 40 trainees
    history.to_csv(given / "training_history.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["training", "assess", str(given)])
    assert exit_info.value.code == 2
    assert "more than trainees" in " ".join(capsys.readouterr().err.split())


def test_history_row_count_tracks_the_sessions(training_dataset: Dataset) -> None:
    sessions = training_dataset["training_sessions"]
    half = sessions[sessions["city"] == "2101"]
    full = make_training_history(sessions, seed=1).history
    part = make_training_history(half, seed=1).history
    assert set(part["city"]) == {"2101"}
    assert 0 < len(part) < len(full)
    assert np.isin(part["base_id"].unique(), half["base_id"].unique()).all()
