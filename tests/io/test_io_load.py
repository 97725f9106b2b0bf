"""Loaders: every bad-input case reported with file, row, column and rule; good input typed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from matcher import idnumber
from matcher.errors import DataValidationError
from matcher.io.load import load_dataset, load_table

REFERENCE = date(2009, 3, 2)


def _seekers() -> pd.DataFrame:
    rows = []
    for i, (sex, born) in enumerate(
        [("M", date(1955, 4, 1)), ("F", date(1966, 9, 9)), ("F", date(1987, 2, 28))]
    ):
        rows.append(
            {
                "seeker_id": f"S{i}",
                "id_number": idnumber.make("210102", born, 10 + 2 * i + (sex == "M")),
                "name": "王芳",
                "sex": sex,
                "birth_date": born.isoformat(),
                "city": "2101",
                "district": "210102",
                "hukou": "urban",
                "education": "senior_secondary",
                "graduation_year": "",
                "major": "",
                "skills": "保洁|绿化",
                "desired_titles": "保洁员",
                "reservation_wage": "800",
                "registered_unemployed": "1",
                "unemployed_since": "2008-01-01",
                "registered_date": "2008-01-05",
                "household_id": f"H{i}",
                "disabled": "0",
                "returning_migrant": "0",
                "laid_off": "0",
                "demobilised_soldier": "0",
                "model_worker": "0",
                "military_spouse": "0",
                "martyr_family": "0",
                "single_parent": "0",
                "cadre": "0",
            }
        )
    return pd.DataFrame(rows)


def _tables() -> dict[str, pd.DataFrame]:
    households = pd.DataFrame(
        {
            "household_id": ["H0", "H1", "H2"],
            "city": "2101",
            "district": "210102",
            "members": ["3", "2", "4"],
            "zero_employment": ["1", "0", "0"],
            "zero_employment_since": ["2009-02-10", "", ""],
            "minimum_allowance": "0",
            "near_minimum": "0",
        }
    )
    employers = pd.DataFrame(
        {
            "employer_id": ["E0"],
            "name": ["和平区某社区"],
            "kind": ["community"],
            "industry": [""],
            "city": ["2101"],
            "district": ["210102"],
        }
    )
    posts = pd.DataFrame(
        {
            "post_id": ["P0", "P1"],
            "program": ["welfare", "welfare"],
            "employer_id": ["E0", "E0"],
            "title": ["社区保洁员", "治安巡逻员"],
            "post_type": ["", ""],
            "occupation_code": ["", ""],
            "city": "2101",
            "district": "210102",
            "area": "urban_community",
            "capacity": ["3", "2"],
            "min_education": "primary",
            "min_age": ["", ""],
            "max_age": ["", ""],
            "wanted_skills": ["保洁", ""],
            "wage": ["700", "800"],
            "posted_date": "2009-02-01",
            "status": "open",
        }
    )
    return {"seekers": _seekers(), "households": households, "employers": employers, "posts": posts}


def write(directory: Path, tables: dict[str, pd.DataFrame]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(directory / f"{name}.csv", index=False)
    (directory / "manifest.json").write_text(json.dumps({"reference_date": "2009-03-02"}))
    return directory


def problems_of(directory: Path) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(DataValidationError) as caught:
        load_dataset(directory)
    return [(p.file, p.row, p.column, p.rule) for p in caught.value.problems]


def test_clean_dataset_loads_typed(tmp_path: Path) -> None:
    dataset = load_dataset(write(tmp_path, _tables()))
    assert dataset.reference_date == REFERENCE
    seekers = dataset["seekers"]
    assert seekers["registered_unemployed"].dtype == "boolean"
    assert seekers["birth_date"].dt.year.tolist() == [1955, 1966, 1987]
    assert dataset["posts"]["capacity"].tolist() == [3, 2]
    assert "training_sessions" not in dataset  # optional table


def test_chinese_headers_and_values_are_accepted(tmp_path: Path) -> None:
    tables = _tables()
    tables["seekers"] = tables["seekers"].rename(
        columns={"seeker_id": "人员编号", "id_number": "身份证号", "sex": "性别", "name": "姓名"}
    )
    tables["seekers"]["性别"] = tables["seekers"]["性别"].map({"M": "男", "F": "女"})
    tables["seekers"]["education"] = "高中"
    dataset = load_dataset(write(tmp_path, tables))
    assert dataset["seekers"]["sex"].tolist() == ["M", "F", "F"]
    assert set(dataset["seekers"]["education"]) == {"senior_secondary"}


def test_excel_and_parquet(tmp_path: Path) -> None:
    tables = _tables()
    directory = write(tmp_path, tables)
    (directory / "seekers.csv").unlink()
    tables["seekers"].to_excel(directory / "seekers.xlsx", index=False)
    (directory / "posts.csv").unlink()
    tables["posts"].to_parquet(directory / "posts.parquet", index=False)
    dataset = load_dataset(directory)
    assert len(dataset["seekers"]) == 3 and len(dataset["posts"]) == 2


def test_corrupt_check_digit_names_id_number_and_row(tmp_path: Path) -> None:
    tables = _tables()
    number = tables["seekers"].at[1, "id_number"]
    wrong = "0" if number[-1] != "0" else "1"
    tables["seekers"].at[1, "id_number"] = number[:-1] + wrong
    problems = problems_of(write(tmp_path, tables))
    assert problems == [
        ("seekers.csv", 3, "id_number", "check character does not match (ISO 7064 MOD 11-2)")
    ]


def test_identity_number_is_masked_in_problems(tmp_path: Path) -> None:
    tables = _tables()
    number = tables["seekers"].at[0, "id_number"]
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")
    tables["seekers"].at[0, "id_number"] = broken
    with pytest.raises(DataValidationError) as caught:
        load_dataset(write(tmp_path, tables))
    shown = str(caught.value) + " ".join(str(p) for p in caught.value.problems)
    assert broken[4:14] not in shown  # the birth date and sequence never appear
    assert caught.value.problems[0].value == idnumber.mask(broken)
    assert idnumber.mask(broken) == broken[:4] + "*" * 10 + broken[-4:]


def test_inconsistent_birth_date_and_sex(tmp_path: Path) -> None:
    tables = _tables()
    tables["seekers"].at[0, "birth_date"] = "1955-04-02"
    tables["seekers"].at[1, "sex"] = "M"
    rules = [(row, rule.split(" ")[0]) for _, row, _, rule in problems_of(write(tmp_path, tables))]
    assert rules == [(2, "birth"), (3, "sex")]


def test_every_bad_cell_is_reported_at_once(tmp_path: Path) -> None:
    tables = _tables()
    tables["seekers"].at[0, "sex"] = "X"
    tables["seekers"].at[1, "reservation_wage"] = "lots"
    tables["seekers"].at[2, "registered_unemployed"] = "maybe"
    tables["posts"].at[0, "capacity"] = "-1"
    tables["posts"].at[1, "posted_date"] = "2010-01-01"  # after the reference date
    problems = problems_of(write(tmp_path, tables))
    found = {(f, r, c) for f, r, c, _ in problems}
    assert found == {
        ("seekers.csv", 2, "sex"),
        ("seekers.csv", 3, "reservation_wage"),
        ("seekers.csv", 4, "registered_unemployed"),
        ("posts.csv", 2, "capacity"),
        ("posts.csv", 3, "posted_date"),
    }


def test_missing_and_extra_columns(tmp_path: Path) -> None:
    tables = _tables()
    tables["seekers"] = tables["seekers"].drop(columns=["hukou"]).assign(shoe_size="42")
    problems = problems_of(write(tmp_path, tables))
    assert ("seekers.csv", 1, "hukou") in {(f, r, c) for f, r, c, _ in problems}
    assert ("seekers.csv", 1, "shoe_size") in {(f, r, c) for f, r, c, _ in problems}


def test_optional_flag_column_may_be_absent(tmp_path: Path) -> None:
    tables = _tables()
    tables["seekers"] = tables["seekers"].drop(columns=["cadre", "laid_off"])
    dataset = load_dataset(write(tmp_path, tables))
    assert not dataset["seekers"]["cadre"].any()


def test_duplicate_ids_and_unknown_references(tmp_path: Path) -> None:
    tables = _tables()
    tables["posts"].at[1, "post_id"] = "P0"
    tables["posts"].at[1, "employer_id"] = "E9"
    tables["seekers"].at[2, "household_id"] = "H9"
    tables["seekers"].at[2, "district"] = "210202"  # a Dalian district for a Shenyang seeker
    problems = problems_of(write(tmp_path, tables))
    keyed = {(f, r, c): rule for f, r, c, rule in problems}
    assert "unique" in keyed[("posts.csv", 2, "post_id")]
    assert "unique" in keyed[("posts.csv", 3, "post_id")]
    assert "employers.employer_id" in keyed[("posts.csv", 3, "employer_id")]
    assert "households.household_id" in keyed[("seekers.csv", 4, "household_id")]
    assert "not in city 2101" in keyed[("seekers.csv", 4, "district")]


def test_empty_and_header_only_and_non_utf8_files(tmp_path: Path) -> None:
    directory = write(tmp_path, _tables())
    (directory / "employers.csv").write_text("")
    (directory / "posts.csv").write_text(",".join(_tables()["posts"].columns) + "\n")
    (directory / "households.csv").write_bytes(
        _tables()["households"].to_csv(index=False).encode("gbk").replace(b"H2", b"H2\xff")
    )
    problems = problems_of(directory)
    rules = {f: rule for f, _, _, rule in problems}
    assert rules["employers.csv"] == "file is empty"
    assert rules["posts.csv"] == "file has a header but no rows"
    assert "not UTF-8" in rules["households.csv"]


def test_missing_required_table(tmp_path: Path) -> None:
    directory = write(tmp_path, _tables())
    (directory / "households.csv").unlink()
    problems = problems_of(directory)
    assert any("required table is missing" in rule for *_, rule in problems)


def test_gbk_file_loads_as_its_utf8_twin_unless_told_utf8(tmp_path: Path) -> None:
    # Chinese Excel saves CSV as GBK: detected after UTF-8; --encoding utf-8 still refuses it.
    gbk, utf8 = tmp_path / "gbk" / "seekers.csv", tmp_path / "utf8" / "seekers.csv"
    for path, codec in ((gbk, "gbk"), (utf8, "utf-8")):
        path.parent.mkdir()
        path.write_bytes(_seekers().to_csv(index=False).encode(codec))
    pd.testing.assert_frame_equal(
        load_table(gbk, "seekers", REFERENCE), load_table(utf8, "seekers", REFERENCE)
    )
    with pytest.raises(DataValidationError) as caught:
        load_table(gbk, "seekers", REFERENCE, encoding="utf-8")
    problem = caught.value.problems[0]
    assert problem.row == 2 and "UTF-8" in problem.rule
