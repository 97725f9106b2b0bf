"""A generated dataset rewritten as a bureau keeps its files: the seekers as an .xlsx workbook
with a title row, a 序号 column, Chinese headers and city names (沈阳市), the households as a
GBK CSV (what Chinese Excel saves) with a title row and city names."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd

from matcher import reference

CITY_NAMES = dict(zip(reference.cities()["code"], reference.cities()["name"], strict=True))


def save_workbook(path: Path, title: str, frame: pd.DataFrame) -> None:
    """``frame`` as a bureau keeps it: a title row, then 序号 and the columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([title])
    sheet.append(["序号", *frame.columns])
    for position, row in enumerate(frame.itertuples(index=False), start=1):
        sheet.append([position, *row])
    book.save(path)


def sheet_rows(path: Path) -> list[list[object]]:
    """Every row of a workbook's active sheet, as values (the read-only workbook holds its file
    open until closed)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = book.active
        assert sheet is not None
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def officer_copy(plain: Path, officer: Path) -> Path:
    """Write ``plain`` (a ``matcher generate`` directory) into ``officer`` as a bureau's files."""
    officer.mkdir(parents=True)
    for name in ("employers.csv", "posts.csv", "manifest.json"):
        shutil.copy(plain / name, officer / name)
    seekers = pd.read_csv(plain / "seekers.csv", dtype=str, keep_default_na=False)
    seekers["city"] = seekers["city"].map(lambda code: f"{CITY_NAMES[code]}市")
    seekers = seekers.rename(columns={"seeker_id": "人员编号", "id_number": "身份证号"})
    save_workbook(officer / "求职登记人员.xlsx", "2009年求职登记人员名单", seekers)
    households = pd.read_csv(plain / "households.csv", dtype=str, keep_default_na=False)
    households["city"] = households["city"].map(CITY_NAMES)
    text = "2009年家庭情况登记表\n" + households.to_csv(index=False)
    (officer / "家庭.csv").write_bytes(text.encode("gbk"))  # Chinese Excel's "CSV"
    return officer
