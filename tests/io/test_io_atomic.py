"""Atomic writes: whole or nothing, with ordinary file permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from matcher.io.atomic import atomic_open, write_table, write_tables


def test_written_files_get_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == 0o644


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("half")
        raise RuntimeError("crash")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_write_tables_all_or_none(tmp_path: Path) -> None:
    class Boom(pd.DataFrame):
        def to_csv(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            raise OSError("disk full")

    frames = {"a.csv": pd.DataFrame({"x": [1]}), "b.csv": Boom({"x": [2]})}
    with pytest.raises(OSError):
        write_tables(frames, tmp_path)
    assert list(tmp_path.iterdir()) == []
    write_tables({"a.csv": pd.DataFrame({"x": [1]})}, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_csv_cells_that_start_a_formula_are_written_inert(tmp_path: Path) -> None:
    """OWASP CSV injection: text cells starting =, +, -, @, tab or CR get a leading quote;
    numbers (a negative count) are left alone."""
    from matcher.io.atomic import write_table
    from matcher.io.csvsafe import neutralise_cell

    frame = pd.DataFrame(
        {
            "seeker_id": ['=HYPERLINK("http://x")', "+1", "-a", "@SUM(A1)", "\tx", "S1"],
            "days_left": [-3, 1, 2, 3, 4, 6],
        }
    )
    write_table(frame, tmp_path / "out.csv")
    back = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert back["seeker_id"].tolist()[:4] == ['\'=HYPERLINK("http://x")', "'+1", "'-a", "'@SUM(A1)"]
    assert back["seeker_id"].iloc[4] == "'\tx"
    assert neutralise_cell("\rx") == "'\rx"
    assert back["seeker_id"].iloc[5] == "S1" and back["days_left"].iloc[0] == "-3"
