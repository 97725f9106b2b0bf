"""``matcher bench-fairness`` from the command line: the benchmark and its published report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    code = exit_info.value.code
    return int(code) if isinstance(code, int) else 1


def test_bench_fairness_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    code = _run(
        [
            "bench-fairness",
            "--scale",
            "small",
            "--seeds",
            "0",
            "--candidates",
            "random",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    runs = pd.read_csv(out / "fairness_runs.csv")
    assert {"lottery", "priority", "stable", "optimal", "lexicographic"} <= set(runs["setting"])
    assert "optimal + tier floors + families" in set(runs["setting"])
    provenance = json.loads((out / "fairness_provenance.json").read_text())
    assert provenance["seeds"] == [0] and provenance["scale"] == "small"
    assert (out / "fairness-report.html").exists()
    assert "fairness-report.html" in capsys.readouterr().out.replace("\n", "")
    # The welfare rules name a preset: the first seed is placed under both, side by side.
    presets = pd.read_csv(out / "fairness_presets.csv")
    assert {"placed_notice", "placed_listing_order"} <= set(presets.columns)
    assert "zero_employment" in set(presets["group"])


def test_bench_fairness_rejects_bad_options(tmp_path: Path) -> None:
    assert _run(["bench-fairness", "--scale", "planet", "--out", str(tmp_path / "r")]) == 2
    assert _run(["bench-fairness", "--seeds", "a,b", "--out", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()
