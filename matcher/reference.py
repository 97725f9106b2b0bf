"""Reference data shipped in ``data/``: the one place every module reads these facts from.

Tables are read lazily (never at import) and cached. ``MATCHER_DATA_DIR`` points elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from matcher.errors import Problem, _Collector
from matcher.schemas import EDUCATION_LEVELS, TRAINING_KINDS

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    """Directory holding the reference data (``MATCHER_DATA_DIR`` or the repository's ``data/``)."""
    return Path(os.environ.get("MATCHER_DATA_DIR", _REPO_DATA))


@cache
def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir() / name, dtype=str, keep_default_na=False, encoding="utf-8")


def cities() -> pd.DataFrame:
    """The 14 prefecture-level cities: ``code`` (str, GB/T 2260 first 4 digits), ``name``,
    ``pinyin``, ``english``, ``liaoxibei`` (bool), ``large`` (bool), ``population_millions``."""
    table = _read_csv("cities.csv").copy()
    table["liaoxibei"] = table["liaoxibei"] == "1"
    table["large"] = table["large"] == "1"
    table["population_millions"] = table["population_millions"].astype(float)
    return table


def city_codes() -> list[str]:
    """City codes in official order."""
    return cities()["code"].tolist()


@cache
def city_code_lookup() -> dict[str, str]:
    """City code for every way a register writes a city: the code itself, the Chinese name with
    or without 市 (沈阳, 沈阳市), pinyin and English, the latter two lower-cased (shenyang)."""
    lookup: dict[str, str] = {}
    for row in cities().itertuples(index=False):
        code = str(row.code)
        for text in (code, row.name, f"{row.name}市", row.pinyin, row.english):
            lookup[str(text).strip().lower()] = code
    return lookup


def city_label(code: str) -> str:
    """'沈阳 Shenyang' for '2101'; the code itself if unknown."""
    row = cities().set_index("code")
    if code not in row.index:
        return code
    return f"{row.at[code, 'name']!s} {row.at[code, 'pinyin']!s}"


def minimum_wages() -> dict[str, int]:
    """City code → 2009 monthly minimum wage in yuan (最低工资标准) for its urban districts, from
    ``data/minimum_wages.csv`` (the floor of internship allowances (十七) and the line of
    low-income households (二十七)). The figures are marked there as assumed, not sourced."""
    table = _read_csv("minimum_wages.csv")
    return {str(c): int(v) for c, v in zip(table["city"], table["monthly_yuan"], strict=True)}


# --------------------------------------------------------------------------------------------
# Codes used across the tables. Each is the one place that fact lives.
# --------------------------------------------------------------------------------------------

# EDUCATION_LEVELS and TRAINING_KINDS live in matcher.schemas (imported above).

DISTRICT_KINDS: tuple[str, ...] = ("district", "county", "autonomous_county", "county_city")
"""County-level kinds: 市辖区, 县, 自治县, 县级市."""


FIELD_KINDS: tuple[str, ...] = ("management", "service")
"""The two halves of the grassroots post catalogue (十)."""

POST_AREAS: tuple[str, ...] = ("urban_community", "rural_township", "both")
"""Where a grassroots post sits: a city community (社区), a township (乡镇) or either."""

SEXES: tuple[str, ...] = ("M", "F", "U")
"""Sex of a given-name character: male, female, or used for both."""

ALL_CITIES = "*"
"""``cities`` value of a training specialty offered in every city."""


def education_rank(code: str) -> int:
    """Position of an education code in ``EDUCATION_LEVELS`` (0 = primary).

    Raises
    ------
    ValueError
        If ``code`` is not one of ``EDUCATION_LEVELS``.
    """
    try:
        return EDUCATION_LEVELS.index(code)
    except ValueError:
        raise ValueError(
            f"unknown education code {code!r}; expected one of {', '.join(EDUCATION_LEVELS)}"
        ) from None


def split_list(value: str) -> list[str]:
    """Split a ``|``-separated cell into its items; an empty cell gives an empty list."""
    return [item for item in (part.strip() for part in value.split("|")) if item]


# --------------------------------------------------------------------------------------------
# Typed loaders. Each reads its CSV once (cached) and hands out a copy, so a caller that changes
# its frame cannot change what the next caller sees (copies are cheap under copy-on-write).
# --------------------------------------------------------------------------------------------


def _typed_table(
    name: str,
    columns: Sequence[str],
    *,
    ints: Sequence[str] = (),
    floats: Sequence[str] = (),
    flags: Sequence[str] = (),
    choices: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Read ``name``, check its columns and convert them, reporting every bad cell at once."""
    raw = _read_csv(name)
    collector = _Collector()
    missing = [column for column in columns if column not in raw.columns]
    for column in missing:
        collector.add(Problem(name, 1, column, None, "required column is missing"))
    collector.raise_if_any()

    table = raw.loc[:, list(columns)].copy()
    for column in [*ints, *floats]:
        numbers = pd.to_numeric(table[column], errors="coerce")
        # A whole-number column must not hold 2.5; a float column takes any number.
        bad = numbers.isna() | ((numbers != numbers.round()) if column in ints else False)
        for index in table.index[bad]:
            rule = "must be a whole number" if column in ints else "must be a number"
            collector.add(Problem(name, int(index) + 2, column, _cell(table, index, column), rule))
        if not bad.any():
            table[column] = numbers.astype("int64") if column in ints else numbers.astype(float)
    for column in flags:
        bad = ~table[column].isin(["0", "1"])
        for index in table.index[bad]:
            collector.add(
                Problem(name, int(index) + 2, column, _cell(table, index, column), "must be 0 or 1")
            )
        if not bad.any():
            table[column] = table[column] == "1"
    for column, allowed in (choices or {}).items():
        bad = ~table[column].isin(list(allowed))
        for index in table.index[bad]:
            rule = f"must be one of {', '.join(allowed)}"
            collector.add(Problem(name, int(index) + 2, column, _cell(table, index, column), rule))
    collector.raise_if_any()
    return table


def _cell(table: pd.DataFrame, index: object, column: str) -> str:
    return str(table.at[index, column])


@cache
def _districts() -> pd.DataFrame:
    return _typed_table(
        "districts.csv",
        ["code", "name", "pinyin", "city", "kind", "urban", "longitude", "latitude"],
        floats=["longitude", "latitude"],
        flags=["urban"],
        choices={"kind": DISTRICT_KINDS},
    )


def districts() -> pd.DataFrame:
    """Every county-level unit of Liaoning's 14 cities.

    Columns: ``code`` (str, 6-digit GB/T 2260), ``name``, ``pinyin``, ``city`` (4-digit city
    code), ``kind`` (one of ``DISTRICT_KINDS``), ``urban`` (bool, True for 市辖区),
    ``longitude``, ``latitude`` (float, decimal degrees).
    """
    return _districts().copy()


@cache
def _occupations() -> pd.DataFrame:
    return _typed_table(
        "occupations.csv",
        [
            *("code", "level", "name", "major", "middle", "minor", "definition", "aliases"),
            *("green", "digital"),
        ],
        ints=["level"],
        flags=["green", "digital"],
    )


def occupations() -> pd.DataFrame:
    """The national occupational classification CSCO 2022 (职业分类大典 2022).

    Columns: ``code`` (str, e.g. ``4-07-10-01``), ``level`` (int: 1 major, 2 middle, 3 minor,
    4 occupation), ``name``, ``major``, ``middle``, ``minor`` (parent codes, empty above the
    row's level), ``definition``, ``aliases`` (``|``-separated recruitment titles), ``green``,
    ``digital`` (bool: CSCO's L and S markers). Some level-4 codes end in ``-00``: minor groups
    with no detailed occupations, listed once as an occupation (see ``data/SOURCES.md``).
    """
    return _occupations().copy()


_POST_COLUMNS = ["occupation_code", "titles", "skills", "min_education", "typical_wage"]


@cache
def _welfare_post_types() -> pd.DataFrame:
    return _typed_table(
        "welfare_post_types.csv",
        ["post_type", "name", "english", *_POST_COLUMNS],
        ints=["typical_wage"],
        choices={"min_education": EDUCATION_LEVELS},
    )


def welfare_post_types() -> pd.DataFrame:
    """Public-welfare post types (公益性岗位, notice (三), (四)).

    Columns: ``post_type`` (slug), ``name``, ``english``, ``occupation_code`` (CSCO 2022 level
    4), ``titles`` and ``skills`` (``|``-separated), ``min_education`` (an
    ``EDUCATION_LEVELS`` code), ``typical_wage`` (int, yuan a month at 2009 Liaoning levels).
    """
    return _welfare_post_types().copy()


@cache
def _grassroots_catalogue() -> pd.DataFrame:
    return _typed_table(
        "grassroots_catalogue.csv",
        [
            *("post_type", "field_kind", "field", "field_name", "name", "english", "area"),
            *("occupation_code", "titles", "skills", "min_education", "majors"),
            *("typical_wage", "notice_section"),
        ],
        ints=["typical_wage"],
        choices={
            "field_kind": FIELD_KINDS,
            "area": POST_AREAS,
            "min_education": EDUCATION_LEVELS,
        },
    )


def grassroots_catalogue() -> pd.DataFrame:
    """Grassroots management and service post types for graduates (notice (十), (十三), (四十)).

    Columns: ``post_type``, ``field_kind`` (``management``/``service``), ``field`` (slug),
    ``field_name``, ``name``, ``english``, ``area`` (one of ``POST_AREAS``),
    ``occupation_code``, ``titles``, ``skills``, ``min_education``, ``majors`` (``|``-separated
    college majors), ``typical_wage`` (int, at least 1,000 yuan), ``notice_section`` (the
    notice's section the post comes from, e.g. 十三 for township school teachers).
    """
    return _grassroots_catalogue().copy()


@cache
def _training_catalogue() -> pd.DataFrame:
    return _typed_table(
        "training_catalogue.csv",
        [
            *("specialty", "name", "english", "kind", "occupation_code", "skills", "hours"),
            *("subsidy_per_hour", "cities", "min_education"),
        ],
        ints=["hours"],
        floats=["subsidy_per_hour"],
        choices={"kind": TRAINING_KINDS, "min_education": EDUCATION_LEVELS},
    )


def training_catalogue() -> pd.DataFrame:
    """Training specialties (notice (十八)-(二十七)).

    Columns: ``specialty`` (slug), ``name``, ``english``, ``kind`` (one of ``TRAINING_KINDS``),
    ``occupation_code``, ``skills`` (taught skills, ``|``-separated), ``hours`` (int, class
    hours), ``subsidy_per_hour`` (float, yuan), ``cities`` (``|``-separated city codes served,
    or ``ALL_CITIES``), ``min_education``.
    """
    return _training_catalogue().copy()


@cache
def _skills() -> pd.DataFrame:
    return _typed_table("skills.csv", ["skill", "english", "synonyms"])


def skills() -> pd.DataFrame:
    """The skills vocabulary: ``skill`` (Chinese, canonical), ``english``, ``synonyms``
    (``|``-separated Chinese variants meaning the same skill)."""
    return _skills().copy()


@cache
def _skill_variants() -> dict[str, str]:
    variants: dict[str, str] = {}
    for skill, synonyms in zip(_skills()["skill"], _skills()["synonyms"], strict=True):
        variants[skill] = skill
        for synonym in split_list(synonyms):
            variants.setdefault(synonym, skill)
    return variants


def canonical_skill(text: str) -> str | None:
    """The canonical skill a name or synonym stands for (``'电焊'`` -> ``'焊工'``), else None."""
    return _skill_variants().get(text.strip())


@cache
def _surnames() -> pd.DataFrame:
    return _typed_table("names_surnames.csv", ["surname", "weight"], floats=["weight"])


def surnames() -> pd.DataFrame:
    """Chinese surnames with relative frequencies: ``surname``, ``weight`` (float, per cent)."""
    return _surnames().copy()


@cache
def _given_name_chars() -> pd.DataFrame:
    return _typed_table(
        "names_given.csv", ["char", "sex", "weight"], ints=["weight"], choices={"sex": SEXES}
    )


def given_name_chars() -> pd.DataFrame:
    """Characters used in Chinese given names: ``char``, ``sex`` (``M``, ``F`` or ``U`` for
    both), ``weight`` (int, how many common given names use the character)."""
    return _given_name_chars().copy()
