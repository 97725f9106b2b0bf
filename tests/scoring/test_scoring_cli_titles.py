"""The stable ``matcher titles`` contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    vocabulary = tmp_path / "V.csv"
    pd.DataFrame(
        {
            "code": ["4-07-01-01", "4-07-02-01", "2-06-01-01"],
            "name": ["保洁员", "保安员", "会计专业人员"],
            "aliases": ["社区保洁员|清洁工", "门卫|保安", "会计|出纳"],
        }
    ).to_csv(vocabulary, index=False)
    titles = tmp_path / "T.csv"
    pd.DataFrame({"title": ["门卫（夜班）", "", "飞行员", "【急聘】清洁工"]}).to_csv(
        titles, index=False
    )
    return vocabulary, titles


def test_titles_writes_one_row_per_title_in_order(files: tuple[Path, Path], tmp_path: Path) -> None:
    vocabulary, titles = files
    out = tmp_path / "O.csv"
    assert (
        _run(
            ["titles", "--vocabulary", str(vocabulary), "--titles", str(titles), "--out", str(out)]
        )
        == 0
    )
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns) == ["title", "code", "name", "score"]
    assert result["title"].tolist() == ["门卫（夜班）", "", "飞行员", "【急聘】清洁工"]
    assert result["code"].tolist() == ["4-07-02-01", "", "", "4-07-01-01"]


def test_titles_top_adds_rank(files: tuple[Path, Path], tmp_path: Path) -> None:
    vocabulary, titles = files
    out = tmp_path / "O.csv"
    args = ["titles", "--vocabulary", str(vocabulary), "--titles", str(titles)]
    assert _run([*args, "--top", "2", "--min-score", "0", "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns) == ["title", "code", "name", "score", "rank"]
    first = result[result["title"] == "门卫（夜班）"]
    assert first["rank"].tolist() == ["1", "2"][: len(first)]


def test_titles_bad_vocabulary_is_a_message_and_writes_nothing(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    _, titles = files
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    out = tmp_path / "O.csv"
    args = ["titles", "--vocabulary", str(bad), "--titles", str(titles), "--out", str(out)]
    assert _run(args) == 2
    assert not out.exists()
