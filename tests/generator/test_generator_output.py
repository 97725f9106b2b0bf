"""Determinism, schema conformance, identity numbers and dates of generated data."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher import idnumber, reference
from matcher.generator import DEFAULT_REFERENCE_DATE, GeneratedProvince, Scale, generate_province
from matcher.generator.output import write_province
from matcher.schemas.tables import TABLES, TableSpec

TINY = Scale(
    name="tiny",
    cities=None,
    hard_to_employ=300,
    graduates=100,
    welfare_places=60,
    welfare_posts=14,
    grassroots_places=40,
    townships=14,
    communities=14,
    internship_places=20,
    internship_enterprises=5,
    public_service_places=14,
    vacancy_places=60,
    enterprises=28,
    sessions=20,
    history_records=400,
    history_posts=60,
)


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_province(generate_province(TINY, seed=11), first)
    write_province(generate_province(TINY, seed=11), second)
    write_province(generate_province(TINY, seed=12), other)
    files_first, files_second, files_other = _files(first), _files(second), _files(other)
    assert set(files_first) == {
        *(f"{name}.csv" for name in TABLES),
        "manifest.json",
        "truth/seekers_truth.csv",
        "truth/posts_truth.csv",
        "truth/placements_truth.csv",
        "truth/training_history_truth.csv",
    }
    assert files_first == files_second
    for name in TABLES:
        assert files_first[f"{name}.csv"] != files_other[f"{name}.csv"], name


def _read(directory: Path, spec: TableSpec) -> pd.DataFrame:
    return pd.read_csv(
        directory / spec.file_name, dtype=str, keep_default_na=False, encoding="utf-8"
    )


@pytest.mark.parametrize("name", list(TABLES))
def test_tables_follow_their_spec(small_dir: Path, name: str) -> None:
    spec = TABLES[name]
    frame = _read(small_dir, spec)
    assert list(frame.columns) == [c.name for c in spec.columns]
    assert len(frame) > 0
    for column in spec.columns:
        values = frame[column.name]
        empty = values == ""
        if not column.nullable:
            assert not empty.any(), f"{name}.{column.name} has empty cells"
        present = values[~empty]
        if column.allowed is not None:
            assert set(present) <= set(column.allowed), f"{name}.{column.name}"
        if column.pattern is not None:
            assert present.str.fullmatch(column.pattern).all(), f"{name}.{column.name}"
        if column.unique:
            assert not present.duplicated().any(), f"{name}.{column.name} repeats"
        if column.type == "bool":
            assert set(present) <= {"0", "1"}, f"{name}.{column.name}"
        if column.type in ("int", "float"):
            numbers = pd.to_numeric(present, errors="raise")
            if column.type == "int":
                assert (numbers == numbers.round()).all()
            if column.minimum is not None:
                assert (numbers >= column.minimum).all(), f"{name}.{column.name}"
            if column.maximum is not None:
                assert (numbers <= column.maximum).all(), f"{name}.{column.name}"
        if column.type == "date":
            dates = pd.to_datetime(present, format="%Y-%m-%d", errors="raise")
            assert (dates <= pd.Timestamp(DEFAULT_REFERENCE_DATE)).all(), f"{name}.{column.name}"
        if column.type == "list":
            items = present.str.split("|").explode()
            assert (items.str.strip().str.len() > 0).all(), f"{name}.{column.name} empty item"


def test_foreign_keys_resolve(small_dir: Path) -> None:
    keys = {
        "cities.code": set(reference.cities()["code"]),
        "districts.code": set(reference.districts()["code"]),
    }
    for spec in TABLES.values():
        keys[f"{spec.name}.{spec.key}"] = set(_read(small_dir, spec)[spec.key])
    for spec in TABLES.values():
        frame = _read(small_dir, spec)
        for column in spec.columns:
            if column.references is None:
                continue
            values = set(frame[column.name]) - {""}
            missing = values - keys[column.references]
            assert not missing, f"{spec.name}.{column.name}: {sorted(missing)[:5]}"


def test_districts_lie_in_their_city(small_dir: Path) -> None:
    for name in ("seekers", "households", "employers", "posts", "training_sessions"):
        frame = _read(small_dir, TABLES[name])
        assert (frame["district"].str[:4] == frame["city"]).all(), name


def test_identity_numbers_valid_and_consistent(small_dir: Path) -> None:
    seekers = _read(small_dir, TABLES["seekers"])
    numbers = seekers["id_number"]
    assert idnumber.problems_series(numbers, today=DEFAULT_REFERENCE_DATE).isna().all()
    born = idnumber.birth_dates_series(numbers).dt.strftime("%Y-%m-%d")
    assert (born.to_numpy() == seekers["birth_date"].to_numpy()).all()
    assert (idnumber.sexes_series(numbers).to_numpy() == seekers["sex"].to_numpy()).all()
    assert (numbers.str[:6] == seekers["district"]).all()
    assert not numbers.duplicated().any()


def test_graduates_and_names(small: GeneratedProvince) -> None:
    seekers = small.tables["seekers"].set_index("seeker_id")
    graduates = seekers.loc[small.kinds[small.kinds == "graduate"].index]
    assert set(graduates["education"]) <= {"junior_college", "bachelor", "master"}
    assert graduates["graduation_year"].between(2007, 2009).all()
    majors = {
        m for cell in reference.grassroots_catalogue()["majors"] for m in reference.split_list(cell)
    }
    assert set(graduates["major"].dropna()) <= majors
    assert graduates["major"].notna().all()
    surnames = set(reference.surnames()["surname"])
    assert seekers["name"].map(lambda n: n[:1] in surnames or n[:2] in surnames).all()
    assert seekers["name"].str.len().between(2, 4).all()


@pytest.mark.parametrize("when", [date(2009, 1, 1), date(2010, 6, 30)])
def test_no_date_after_the_reference_date(when: date) -> None:
    province = generate_province(TINY, seed=3, reference_date=when)
    limit = np.datetime64(when, "D")
    for name, frame in province.tables.items():
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                values = frame[column].dropna().to_numpy().astype("datetime64[D]")
                assert (values <= limit).all(), f"{name}.{column}"
    seekers = province.tables["seekers"]
    spell = seekers["unemployed_since"].notna()
    assert (seekers.loc[spell, "registered_date"] >= seekers.loc[spell, "unemployed_since"]).all()
    assert seekers["graduation_year"].max() <= when.year


def test_bad_parameters_are_named() -> None:
    with pytest.raises(ValueError, match="'scale' parameter"):
        generate_province("county")
    with pytest.raises(ValueError, match="'reference_date' parameter"):
        generate_province(TINY, reference_date=date(2020, 1, 1))
    with pytest.raises(ValueError, match="'seed' parameter"):
        generate_province(TINY, seed=-1)


def test_manifest_records_hashes(small_dir: Path) -> None:
    import hashlib
    import json

    manifest = json.loads((small_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scale"] == "small" and manifest["seed"] == 7
    assert manifest["reference_date"] == "2009-03-02"
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((small_dir / name).read_bytes()).hexdigest() == digest
    assert manifest["rows"]["seekers"] == 3000
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", manifest["matcher_version"])
