"""The ``matcher titles`` contract: the shipped coder, review files, bad input, evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.cli import main

COLUMNS = ["title", "code", "name", "score", "group_code", "group_name", "group_score"]


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    vocabulary = tmp_path / "V.csv"
    pd.DataFrame(
        {
            "code": ["4-07-05-01", "4-03-02-08", "2-06-03-00"],
            "name": ["保安员", "咖啡师", "会计专业人员"],
            "aliases": ["门卫|保安", "", "会计|出纳"],
        }
    ).to_csv(vocabulary, index=False)
    titles = tmp_path / "T.csv"
    pd.DataFrame(
        {"title": ["门卫（夜班）", "", "高唐乐客咖啡店招聘咖啡师", "!!!", "【急聘】出纳+双休"]}
    ).to_csv(titles, index=False)
    return vocabulary, titles


def test_titles_uses_the_shipped_coder_by_default(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, titles = files
    out = tmp_path / "O.csv"
    assert _run(["titles", "--titles", str(titles), "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns) == COLUMNS
    assert result["title"].tolist() == [
        "门卫（夜班）",
        "",
        "高唐乐客咖啡店招聘咖啡师",
        "!!!",
        "【急聘】出纳+双休",
    ]
    assert result["code"].tolist()[2] == "4-03-02-08"
    assert result["code"].tolist()[1] == result["code"].tolist()[3] == ""
    scores = result["score"].astype(float)
    assert ((scores >= 0) & (scores <= 1)).all()
    err = capsys.readouterr().err
    assert "row 3" in err and "empty title" in err
    assert "row 5" in err and "only punctuation" in err


def test_titles_with_another_vocabulary_answers_its_codes(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    vocabulary, titles = files
    out = tmp_path / "O.csv"
    args = ["titles", "--vocabulary", str(vocabulary), "--titles", str(titles)]
    assert _run([*args, "--min-score", "0", "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert result["code"].tolist() == ["4-07-05-01", "", "4-03-02-08", "", "2-06-03-00"]


def test_titles_top_adds_rank(files: tuple[Path, Path], tmp_path: Path) -> None:
    vocabulary, titles = files
    out = tmp_path / "O.csv"
    args = ["titles", "--vocabulary", str(vocabulary), "--titles", str(titles)]
    assert _run([*args, "--top", "2", "--min-score", "0", "--out", str(out)]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns) == [*COLUMNS[:4], "rank", *COLUMNS[4:]]
    first = result[result["title"] == "门卫（夜班）"]
    assert first["rank"].tolist() == ["1", "2"]


def test_review_file_lists_free_text_titles_and_feeds_back(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    vocabulary, titles = files
    out, review = tmp_path / "O.csv", tmp_path / "R.csv"
    args = ["titles", "--vocabulary", str(vocabulary), "--titles", str(titles)]
    assert _run([*args, "--min-score", "0.99", "--out", str(out), "--review", str(review)]) == 0
    below = pd.read_csv(review, dtype=str, keep_default_na=False)
    coded = pd.read_csv(out, dtype=str, keep_default_na=False)
    free_text = coded.index[(coded["code"] == "") & (coded["title"] != "")]
    assert below["row"].tolist() == [str(i + 2) for i in free_text]  # not the empty title
    assert "!!!" in below["title"].tolist()
    assert (below["code"] == "").all()
    # A person fills in the codes; the filled file is labelled titles for the coder.
    from matcher.scoring.coder_persist import read_labelled

    filled = below.assign(code=below["suggested_code"])
    filled.loc[filled["title"] == "!!!", "code"] = ""
    filled.to_csv(review, index=False)
    labelled = read_labelled(review)
    assert "!!!" not in labelled["title"].tolist()
    assert len(labelled) == len(below) - 1


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


def test_conflicting_vocabulary_rows_are_named(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, titles = files
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,aliases\n1-01,x,\n1-01,y,\n", encoding="utf-8")
    args = ["titles", "--vocabulary", str(bad), "--titles", str(titles)]
    assert _run([*args, "--out", str(tmp_path / "O.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "row 2" in err


def test_non_utf8_titles_name_the_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    titles = tmp_path / "gbk.csv"
    titles.write_bytes("title\n保安\n保洁员\n".encode() + "会计\n".encode("gbk"))
    assert _run(["titles", "--titles", str(titles), "--out", str(tmp_path / "O.csv")]) == 2
    assert "row 4" in capsys.readouterr().err


def test_evaluate_cross_validates_the_coder_beside_both_peers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocabulary = tmp_path / "V.csv"
    pd.DataFrame(
        {
            "code": ["4-07-00-00", "4-07-05-01", "4-07-05-02", "4-03-02-08", "2-06-03-00"],
            "level": ["2", "4", "4", "4", "4"],
            "name": ["服务人员", "保安员", "消防员", "咖啡师", "会计专业人员"],
            "aliases": ["", "门卫|保安", "消防", "", "会计|出纳"],
        }
    ).to_csv(vocabulary, index=False)
    rows = [
        ("小区门卫", "4-07-05-01"),
        ("保安+双休", "4-07-05-01"),
        ("消防中控员", "4-07-05-02"),
        ("咖啡店招聘咖啡师", "4-03-02-08"),
        ("咖啡学徒", "4-03-02-08"),
        ("出纳（深圳）", "2-06-03-00"),
        ("总账会计", "2-06-03-00"),
        ("物业服务", "4-07-00-00"),
    ] * 5
    labelled = tmp_path / "L.csv"
    pd.DataFrame(rows, columns=["title", "code"]).to_csv(labelled, index=False)
    args = ["titles", "evaluate", "--labelled", str(labelled), "--vocabulary", str(vocabulary)]
    assert _run([*args, "--folds", "2", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures["top1"]) == {"coder", "tfidf_baseline", "svm_peer", "coder_unsupervised"}
    assert figures["titles"] == 40 and len(figures["thresholds"]) == 2
    assert all(0 <= value <= 1 for value in figures["top1"].values())
    assert figures["curve"][-1]["coverage"] == 1.0
    assert figures["curve"][-1]["precision"] == figures["top1"]["coder"]
    assert _run([*args, "--folds", "2", "--no-peers"]) == 0
    assert "precision–coverage" in capsys.readouterr().out
