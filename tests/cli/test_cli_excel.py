"""An officer's files through the command line: a GBK CSV and an .xlsx workbook with a title
row, 序号 and city names validate and give the same eligibility as the generated CSV; the
outputs open in Excel (CSV with a BOM, .xlsx by suffix)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from officer_files import officer_copy, save_workbook, sheet_rows

from matcher.cli import main
from matcher.io.excel import BOM


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(args)
    return int(exited.value.code or 0)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The generated small dataset, and the same data as an officer's files."""
    root = tmp_path_factory.mktemp("excel")
    plain = root / "plain"
    assert run(["generate", "--scale", "small", "--seed", "7", "--out", str(plain)]) == 0
    return plain, officer_copy(plain, root / "officer")


def test_officer_files_validate(
    datasets: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, officer = datasets
    assert run(["validate", str(officer)]) == 0
    # --encoding applies to every CSV: the UTF-8 ones are then refused, by name.
    capsys.readouterr()
    assert run(["validate", str(officer), "--encoding", "gbk"]) == 2
    err = capsys.readouterr().err
    assert "posts.csv, row 2: file is not gbk text" in " ".join(err.split())


def test_officer_files_give_the_same_eligibility_written_for_excel(
    datasets: tuple[Path, Path], tmp_path: Path
) -> None:
    plain, officer = datasets
    args = ["eligibility", "--program", "welfare", "--out"]
    assert run([*args[:1], str(plain), *args[1:], str(tmp_path / "plain.csv")]) == 0
    assert run([*args[:1], str(officer), *args[1:], str(tmp_path / "officer.csv")]) == 0
    assert run([*args[:1], str(officer), *args[1:], str(tmp_path / "officer.xlsx")]) == 0
    data = (tmp_path / "officer.csv").read_bytes()
    assert data.startswith(BOM + b"seeker_id,")
    assert data == (tmp_path / "plain.csv").read_bytes()
    result = pd.read_csv(tmp_path / "officer.csv", dtype=str, keep_default_na=False)
    rows = sheet_rows(tmp_path / "officer.xlsx")
    assert rows[0] == result.columns.tolist()
    assert len(rows) == len(result) + 1
    assert [row[0] for row in rows[1:]] == result["seeker_id"].tolist()


def test_allocation_from_officer_files_opens_in_excel(
    datasets: tuple[Path, Path], tmp_path: Path
) -> None:
    plain, _ = datasets
    assert run(
        ["eligibility", str(plain), "--program", "welfare", "--out", str(tmp_path / "e.csv")]
    ) == 0  # fmt: skip
    eligibility = pd.read_csv(tmp_path / "e.csv", dtype=str, keep_default_na=False)
    eligible = eligibility.loc[eligibility["eligible"] == "True"].head(12)
    seekers = eligible[["seeker_id", "tier"]].assign(备注="已登记")
    (tmp_path / "S.csv").write_bytes(seekers.to_csv(index=False).encode("gbk"))
    posts = pd.read_csv(plain / "posts.csv", dtype=str, keep_default_na=False)
    posts = posts.loc[posts["program"] == "welfare", ["post_id", "capacity", "city"]].head(3)
    posts["capacity"] = "2"
    save_workbook(tmp_path / "P.xlsx", "公益性岗位计划", posts)
    pairs = pd.MultiIndex.from_product([seekers["seeker_id"], posts["post_id"]])
    candidates = pairs.to_frame(index=False, name=["seeker_id", "post_id"]).assign(score=0.5)
    candidates.to_csv(tmp_path / "C.csv", index=False)
    assert run(
        ["allocate", "--seekers", str(tmp_path / "S.csv"), "--posts", str(tmp_path / "P.xlsx"),
         "--candidates", str(tmp_path / "C.csv"), "--mechanism", "priority",
         "--out", str(tmp_path / "A.xlsx"), "--unplaced", str(tmp_path / "U.csv")]
    ) == 0  # fmt: skip
    placed = sheet_rows(tmp_path / "A.xlsx")
    assert placed[0][:2] == ["seeker_id", "post_id"] and len(placed) == 1 + 6
    assert {row[1] for row in placed[1:]} == set(posts["post_id"])
    unplaced = (tmp_path / "U.csv").read_bytes()
    assert unplaced.startswith(BOM + b"seeker_id,")
    assert unplaced.count(b"\n") == 1 + len(seekers) - 6
