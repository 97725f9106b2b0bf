"""Bureau files as officers keep them: GBK CSV, workbooks with a title row, 序号 and city names,
.xls, Chinese file names, identity numbers Excel stored as numbers; output Excel opens."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_io_load import REFERENCE, _seekers, _tables, problems_of, write

from matcher import idnumber
from matcher.errors import DataValidationError
from matcher.io.atomic import write_table, write_tables
from matcher.io.excel import BOM, content_disposition, csv_as_xlsx
from matcher.io.load import load_dataset, load_table, read_raw, stored_as_numbers

DATA = Path(__file__).parent / "data"
TITLE = "2009年沈阳市求职登记人员名单"
CITY_NAMES = ["沈阳市", "沈阳", "Shenyang"]


def officer_workbook(path: Path, seekers: pd.DataFrame, *, numeric_ids: bool = False) -> None:
    """``seekers`` as a bureau keeps them: a title row and a blank row above Chinese headers,
    a 序号 column, city names, 男/女 and the identity numbers as text (or as numbers)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([TITLE])
    sheet.append([])
    renamed = seekers.rename(columns={"seeker_id": "人员编号", "id_number": "身份证号"})
    sheet.append(["序号", *renamed.columns])
    for position, row in enumerate(renamed.to_dict("records"), start=1):
        row["city"] = CITY_NAMES[(position - 1) % 3]
        row["sex"] = {"M": "男", "F": "女"}[row["sex"]]
        if numeric_ids:
            row["身份证号"] = float(row["身份证号"])  # what Excel keeps of a number column
        sheet.append([position, *row.values()])
    book.save(path)


def test_workbook_with_title_serial_column_and_city_names_loads_as_plain_csv(
    tmp_path: Path,
) -> None:
    plain = load_dataset(write(tmp_path / "plain", _tables()))
    directory = write(tmp_path / "officer", _tables())
    (directory / "seekers.csv").unlink()
    officer_workbook(directory / "求职登记人员.xlsx", _seekers())
    dataset = load_dataset(directory)
    pd.testing.assert_frame_equal(dataset["seekers"], plain["seekers"])


def test_problems_name_the_row_the_spreadsheet_shows_under_a_title(tmp_path: Path) -> None:
    seekers = _seekers()
    seekers.loc[1, "education"] = "college"
    directory = write(tmp_path, _tables())
    (directory / "seekers.csv").unlink()
    officer_workbook(directory / "seekers.xlsx", seekers)
    # Title on row 1, blank row 2, header row 3: the second seeker is on row 5.
    assert ("seekers.xlsx", 5, "education") in {(f, r, c) for f, r, c, _ in problems_of(directory)}


def test_unknown_city_name_is_named_with_file_row_column_and_value(tmp_path: Path) -> None:
    tables = _tables()
    tables["households"].loc[2, "city"] = "沈阳县"
    directory = write(tmp_path, tables)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(directory)
    [problem] = [p for p in caught.value.problems if p.column == "city"]
    assert (problem.file, problem.row, problem.value) == ("households.csv", 4, "沈阳县")
    assert "unknown city" in problem.rule and "沈阳市" in problem.rule


def test_city_names_in_csv_are_mapped_through_the_city_table(tmp_path: Path) -> None:
    tables = _tables()
    tables["households"]["city"] = ["沈阳市", "shenyang", "2101"]
    dataset = load_dataset(write(tmp_path, tables))
    assert dataset["households"]["city"].tolist() == ["2101"] * 3


def test_identity_numbers_stored_as_numbers_are_one_problem_not_one_per_row(
    tmp_path: Path,
) -> None:
    directory = write(tmp_path, _tables())
    (directory / "seekers.csv").unlink()
    officer_workbook(directory / "seekers.xlsx", _seekers(), numeric_ids=True)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(directory)
    problems = [p for p in caught.value.problems if p.column == "id_number"]
    assert len(problems) == 1, problems
    [problem] = problems
    assert (problem.file, problem.row) == ("seekers.xlsx", 4)
    assert "stored as a number: format the column as text" in problem.rule
    assert "3 rows: 4, 5, 6" in problem.rule
    numbers = _seekers()["id_number"]
    shown = str(caught.value) + " ".join(str(p) for p in caught.value.problems)
    assert not any(number[:14] in shown for number in numbers)  # never shown in full
    assert all("check character" not in p.rule for p in caught.value.problems)


@pytest.mark.parametrize(
    "shown",
    ["2.10102E+17", "2.10102195504012E+17", "210102196609090000", "210102195504010115.0"],
)
def test_csv_identity_numbers_as_excel_writes_numbers_are_diagnosed(shown: str) -> None:
    assert stored_as_numbers(pd.Series([shown])).tolist() == [True]


def test_real_identity_numbers_are_not_taken_for_numbers() -> None:
    # A valid number may end in 000 (sequence x00, check character 0): it stays a number.
    days = pd.date_range("1980-01-01", periods=400).date
    ending_000 = next(
        number
        for day in days
        for sequence in range(0, 1000, 100)
        if (number := idnumber.make("210102", day, sequence)).endswith("000")
    )
    numbers = pd.Series([_seekers()["id_number"][0], ending_000, "21010219800101001X"])
    assert not stored_as_numbers(numbers).any()


def test_gbk_csv_with_a_title_row_loads(tmp_path: Path) -> None:
    tables = _tables()
    directory = write(tmp_path, tables)
    lines = tables["households"].to_csv(index=False).splitlines()
    # Excel also saves the empty columns its formatting reaches: trailing commas.
    text = "2009年家庭信息表,,,,,,,,,\n" + "".join(f"{line},,\n" for line in lines)
    (directory / "households.csv").unlink()
    (directory / "家庭.csv").write_bytes(text.encode("gbk"))
    dataset = load_dataset(directory)
    assert dataset["households"]["household_id"].tolist() == ["H0", "H1", "H2"]


def test_unknown_encoding_is_named(tmp_path: Path) -> None:
    directory = write(tmp_path, _tables())
    with pytest.raises(DataValidationError) as caught:
        load_dataset(directory, encoding="no-such-codec")
    assert "unknown encoding" in caught.value.problems[0].rule


def test_xls_workbook_is_read(tmp_path: Path) -> None:
    # Made with xlwt 1.3.0: title row, 序号, Chinese headers, 男/女, city names.
    seekers = load_table(DATA / "求职登记人员.xls", "seekers", REFERENCE)
    assert seekers["city"].tolist() == ["2101"] * 3
    assert seekers["sex"].tolist() == ["M", "F", "F"]
    assert seekers["id_number"].tolist() == _seekers()["id_number"].tolist()


def test_a_table_given_in_english_and_chinese_names_is_refused(tmp_path: Path) -> None:
    directory = write(tmp_path, _tables())
    shutil.copy(DATA / "求职登记人员.xls", directory)
    problems = problems_of(directory)
    assert any("table seekers given twice" in rule for *_, rule in problems)


def test_not_a_workbook_is_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "seekers.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(DataValidationError) as caught:
        read_raw(path)
    assert "cannot be read" in caught.value.problems[0].rule


def test_missing_table_names_the_chinese_file_names(tmp_path: Path) -> None:
    directory = write(tmp_path, _tables())
    (directory / "seekers.csv").unlink()
    assert any("求职登记人员" in rule for *_, rule in problems_of(directory))


# --------------------------------------------------------------------------- output


def test_csv_for_people_has_a_bom_and_reads_back_unchanged(tmp_path: Path) -> None:
    frame = pd.DataFrame({"seeker_id": ["S1"], "title": ["社区保洁员"]})
    write_table(frame, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes().startswith(BOM)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out.csv", dtype=str), frame)
    write_tables({"plain.csv": frame}, tmp_path, bom=False)
    assert (tmp_path / "plain.csv").read_bytes().startswith(b"seeker_id")


def test_xlsx_suffix_writes_a_workbook_with_inert_text(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "seeker_id": ["=1+1", "007"],
            "tier": pd.array([1, None], dtype="Int64"),
            "since": pd.to_datetime(["2009-03-02", None]),
        }
    )
    write_table(frame, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["seeker_id", "tier", "since"]
    assert rows[1][:2] == ["'=1+1", 1] and rows[1][2].date().isoformat() == "2009-03-02"
    assert rows[2] == ["007", None, None]


def test_exported_csv_as_workbook_keeps_ids_as_text() -> None:
    data = b"seeker_id,score,city\n007,0.5,2101\n"
    book = openpyxl.load_workbook(io.BytesIO(csv_as_xlsx(data)))
    sheet = book.active
    assert sheet is not None
    assert [cell.value for cell in next(sheet.iter_rows(min_row=2))] == ["007", 0.5, "2101"]


def test_content_disposition_carries_the_utf8_name() -> None:
    value = content_disposition("安置名单.csv")
    assert value.startswith("attachment; filename=")
    assert "filename*=UTF-8''%E5%AE%89%E7%BD%AE%E5%90%8D%E5%8D%95.csv" in value
