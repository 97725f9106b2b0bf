"""The foundation's command-line contract, end to end: generate, validate, eligibility, demo."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "d"
    assert run(["generate", "--scale", "small", "--seed", "7", "--out", str(out)]) == 0
    return out


def corrupt_check_digit(directory: Path, row: int) -> str:
    """Change the check character of the identity number on spreadsheet row ``row``."""
    path = directory / "seekers.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("id_number")
    number = rows[row - 1][column]
    rows[row - 1][column] = number[:-1] + ("0" if number[-1] != "0" else "1")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return number


def test_generated_data_validates(small: Path) -> None:
    assert run(["validate", str(small)]) == 0


def test_corrupt_identity_number_fails_validation_naming_column_and_row(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for file in small.glob("*.*"):
        (copy / file.name).write_bytes(file.read_bytes())
    number = corrupt_check_digit(copy, row=42)
    capsys.readouterr()
    assert run(["validate", str(copy)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "seekers.csv, row 42, column 'id_number'" in err
    assert "check character" in err
    assert number[6:14] not in err  # never the full number


def test_eligibility_writes_one_row_per_seeker(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    assert run(["eligibility", str(small), "--program", "welfare", "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype={"city": str})
    seekers = pd.read_csv(small / "seekers.csv", dtype=str)
    assert result["seeker_id"].tolist() == seekers["seeker_id"].tolist()
    assert set(result.columns) >= {"eligible", "tier", "groups", "reasons", "excluded_by"}
    eligible = result[result["eligible"]]
    assert eligible["tier"].between(1, 12).all() and eligible["tier"].notna().all()


def test_eligibility_on_bad_data_writes_nothing(small: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for file in small.glob("*.*"):
        (copy / file.name).write_bytes(file.read_bytes())
    corrupt_check_digit(copy, row=3)
    out = tmp_path / "e.csv"
    assert run(["eligibility", str(copy), "--program", "welfare", "--out", str(out)]) == 2
    assert not out.exists()


def test_unknown_program_is_a_clear_error(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "e.csv"
    assert run(["eligibility", str(small), "--program", "lottery", "--out", str(out)]) == 2
    assert "unknown; known: grassroots" in capsys.readouterr().err
    assert not out.exists()


def test_validate_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", str(tmp_path / "nowhere")]) == 2
    assert "not a directory" in capsys.readouterr().err
