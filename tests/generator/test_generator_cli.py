"""``matcher generate`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return int(exited.value.code or 0)


def test_generate_writes_every_table_and_can_rewrite_its_own_output(tmp_path: Path) -> None:
    out = tmp_path / "data"
    assert _run(["generate", "--scale", "small", "--seed", "4", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 4 and manifest["format"] == "csv"
    first = (out / "seekers.csv").read_bytes()
    # A previous generator output may be overwritten; switching format removes the old files.
    assert (
        _run(
            [
                "generate",
                "--scale",
                "small",
                "--seed",
                "4",
                "--out",
                str(out),
                "--format",
                "parquet",
            ]
        )
        == 0
    )
    assert not (out / "seekers.csv").exists()
    seekers = pd.read_parquet(out / "seekers.parquet")
    assert len(seekers) == 3000
    assert (out / "truth" / "placements_truth.parquet").exists()
    assert _run(["generate", "--scale", "small", "--seed", "4", "--out", str(out)]) == 0
    assert (out / "seekers.csv").read_bytes() == first


def test_generate_refuses_a_foreign_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert _run(["generate", "--scale", "small", "--out", str(out)]) == 1
    assert "refusing to write" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--scale", "county"],
        ["--format", "xlsx"],
        ["--reference-date", "2009-13-01"],
        ["--reference-date", "2020-01-01"],
        ["--seed", "-1"],
    ],
)
def test_generate_rejects_bad_options(tmp_path: Path, argv: list[str]) -> None:
    out = tmp_path / "never"
    assert _run(["generate", "--out", str(out), *argv]) == 2
    assert not out.exists() or not any(out.iterdir())
