"""The reference data the generator draws from, prepared once as arrays.

Everything here comes from :mod:`matcher.reference` (the shipped ``data/`` tables); the generator
keeps no copies of reference data. The only things decided here are the generator's own modelling
choices: which occupations seekers and vacancies are drawn from, which skills go with an
occupation that no catalogue describes, which occupations are physically demanding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from matcher import reference
from matcher.geo import district_distances
from matcher.schemas.tables import EDUCATION_LEVELS

# Share of vacancy and seeker occupations by CSCO major group (2 professional, 3 clerical,
# 4 services, 5 agriculture, 6 production): job fairs in 2009 Liaoning were dominated by services
# and manufacturing.
MAJOR_GROUP_WEIGHTS: dict[str, float] = {"2": 0.12, "3": 0.12, "4": 0.40, "5": 0.04, "6": 0.32}

# Occupations whose names contain one of these are physically demanding, as are all of major
# groups 5 (agriculture) and 6 (production); the truth model lowers hire and retention odds of
# older or disabled seekers there.
_PHYSICAL_WORDS = (
    "保洁|清洁|绿化|保安|巡逻|巡防|搬运|装卸|环卫|清扫|建筑|养护|护林|协管|停车|收集|维修|"
    "装修|砌筑|厨|配送|快递|农"
)

# Skills by major group for an occupation that no catalogue describes, whose wording matches no
# skill and which has no described neighbour in its minor or middle group.
_GENERIC_SKILLS: dict[str, tuple[str, ...]] = {
    "2": ("计算机操作", "办公软件", "沟通协调"),
    "3": ("计算机操作", "办公软件", "档案管理"),
    "4": ("客户服务", "沟通协调", "团队协作"),
    "5": ("体力劳动", "农机操作", "团队协作"),
    "6": ("体力劳动", "安全生产", "团队协作"),
}

# Intra-district commuting distance (km): within a city district, or within a county.
_URBAN_INTERNAL_KM = 4.0
_COUNTY_INTERNAL_KM = 15.0


@dataclass(frozen=True)
class World:
    """Reference tables as the generator uses them.

    Attributes
    ----------
    cities : DataFrame
        ``reference.cities()``.
    districts : DataFrame
        ``reference.districts()`` with a ``position`` column (row number).
    distance_km : ndarray
        Commuting distance between districts by position; the diagonal is the within-district
        distance.
    occupations : DataFrame
        Level-4 occupations usable as seekers' true occupations and vacancy occupations, with
        ``code``, ``name``, ``major``, ``middle``, ``minor``, ``weight`` (for vacancies),
        ``skills`` (tuple of canonical skills), ``physical`` (bool), ``typical_education``.
    titles : DataFrame
        ``code``, ``title``: every title a post or seeker may use for an occupation (its name,
        its aliases, catalogue titles of post types coded to it), sorted by code.
    skills : DataFrame
        ``reference.skills()``: ``skill``, ``synonyms``.
    welfare_types, grassroots_types, training_catalogue : DataFrame
        The catalogues.
    surnames, surname_weights : ndarray
        Surnames and their probabilities.
    given_male, given_male_weights, given_female, given_female_weights : ndarray
        Given-name characters for men and women (unisex characters in both) and probabilities.
    """

    cities: pd.DataFrame
    districts: pd.DataFrame
    distance_km: np.ndarray
    occupations: pd.DataFrame
    titles: pd.DataFrame
    skills: pd.DataFrame
    welfare_types: pd.DataFrame
    grassroots_types: pd.DataFrame
    training_catalogue: pd.DataFrame
    surnames: np.ndarray
    surname_weights: np.ndarray
    given_male: np.ndarray
    given_male_weights: np.ndarray
    given_female: np.ndarray
    given_female_weights: np.ndarray

    def titles_by_code(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(codes, start, count, titles): the title block of ``codes[i]`` is
        ``titles[start[i]:start[i] + count[i]]``; lets callers draw a title per row by offset."""
        codes, start, count = np.unique(
            self.titles["code"].to_numpy(dtype=str), return_index=True, return_counts=True
        )
        return codes, start, count, self.titles["title"].to_numpy(dtype=str)


# Words too common in occupation and skill names to link them (技术 would tie 水利技术 to anything).
_COMMON_BIGRAMS = frozenset(
    [
        "技术",
        "人员",
        "工程",
        "管理",
        "服务",
        "产品",
        "经理",
        "主管",
        "专员",
        "助理",
        "设计",
        "操作",
        "维修",
        "中心",
        "工作",
        "员工",
    ]
)


def _bigrams(text: str) -> set[str]:
    """Two-character substrings of the Chinese parts of ``text`` (no separators or ASCII)."""
    grams = {
        text[i : i + 2]
        for i in range(len(text) - 1)
        if all("\u4e00" <= ch <= "\u9fff" for ch in text[i : i + 2])
    }
    return grams - _COMMON_BIGRAMS


def _typical_education(major: str) -> str:
    # Professional posts want college; clerical senior secondary; the rest junior secondary.
    return {"1": "bachelor", "2": "bachelor", "3": "senior_secondary"}.get(
        major, "junior_secondary"
    )


@cache
def load_world() -> World:
    """Read the reference tables and prepare them for generation (cached; never at import)."""
    cities = reference.cities()
    districts = reference.districts().reset_index(drop=True).copy()
    districts["position"] = np.arange(len(districts))
    codes, km = district_distances()
    if not (codes == districts["code"].astype(str).to_numpy()).all():
        raise AssertionError("district order differs from the distance table")
    distance = km.copy()
    urban = districts["urban"].to_numpy(dtype=bool)
    np.fill_diagonal(distance, np.where(urban, _URBAN_INTERNAL_KM, _COUNTY_INTERNAL_KM))
    # Road distance is longer than the great circle, and never shorter than crossing a district.
    distance = np.maximum(distance * 1.3, np.minimum.outer(np.diag(distance), np.diag(distance)))

    welfare = reference.welfare_post_types().reset_index(drop=True)
    grassroots = reference.grassroots_catalogue().reset_index(drop=True)
    training = reference.training_catalogue().reset_index(drop=True)
    skills = reference.skills().reset_index(drop=True)
    occupations, titles = _occupation_pool(welfare, grassroots, training)

    surnames = reference.surnames()
    given = reference.given_name_chars()
    surname_w = surnames["weight"].to_numpy(dtype=float)
    male = given[given["sex"].isin(["M", "U"])]
    female = given[given["sex"].isin(["F", "U"])]
    male_w = male["weight"].to_numpy(dtype=float)
    female_w = female["weight"].to_numpy(dtype=float)
    return World(
        cities=cities,
        districts=districts,
        distance_km=distance,
        occupations=occupations,
        titles=titles,
        skills=skills,
        welfare_types=welfare,
        grassroots_types=grassroots,
        training_catalogue=training,
        surnames=surnames["surname"].to_numpy(dtype=str),
        surname_weights=surname_w / surname_w.sum(),
        given_male=male["char"].to_numpy(dtype=str),
        given_male_weights=male_w / male_w.sum(),
        given_female=female["char"].to_numpy(dtype=str),
        given_female_weights=female_w / female_w.sum(),
    )


def _occupation_pool(
    welfare: pd.DataFrame, grassroots: pd.DataFrame, training: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Occupations the generator uses, with their skills and every title that names them."""
    all_occupations = reference.occupations()
    detailed = all_occupations[all_occupations["level"].astype(int) == 4].copy()
    detailed["major"] = detailed["code"].str[0]
    detailed["middle"] = detailed["code"].str[:4]
    detailed["minor"] = detailed["code"].str[:7]

    # Skills per occupation come from the catalogues that describe it.
    described = pd.concat(
        [frame[["occupation_code", "skills"]] for frame in (welfare, grassroots, training)],
        ignore_index=True,
    )
    skills_by_code: dict[str, set[str]] = {}
    for code, cell in zip(described["occupation_code"], described["skills"], strict=True):
        skills_by_code.setdefault(str(code), set()).update(reference.split_list(cell))
    catalogue_codes = set(skills_by_code)

    usable = detailed[
        detailed["major"].isin(list(MAJOR_GROUP_WEIGHTS))
        & ((detailed["aliases"].str.len() > 0) | detailed["code"].isin(list(catalogue_codes)))
    ].copy()
    usable = usable.sort_values("code", kind="stable").reset_index(drop=True)

    # An occupation no catalogue describes borrows the skills of the nearest described one in
    # the classification tree (same minor, then middle, then major group).
    described_sorted = sorted(catalogue_codes)

    # Otherwise skills whose wording shares a two-character word with the occupation's name or
    # aliases (药物检验员 → 食品检验), before falling back to the tree.
    skill_table = reference.skills()
    skill_bigrams = [
        (str(skill), _bigrams(f"{skill}|{synonyms}"))
        for skill, synonyms in zip(skill_table["skill"], skill_table["synonyms"], strict=True)
    ]
    wording = dict(zip(detailed["code"], detailed["name"] + "|" + detailed["aliases"], strict=True))

    def nearest_skills(code: str) -> tuple[str, ...]:
        if code in skills_by_code:
            return tuple(sorted(skills_by_code[code]))
        words = _bigrams(wording.get(code, ""))
        scored = sorted(
            ((len(words & grams), skill) for skill, grams in skill_bigrams if words & grams),
            key=lambda item: (-item[0], item[1]),
        )
        if scored:
            return tuple(sorted(skill for _, skill in scored[:3]))
        for width in (7, 4):
            near = [c for c in described_sorted if c[:width] == code[:width]]
            if near:
                pooled = set().union(*(skills_by_code[c] for c in near))
                return tuple(sorted(pooled))[:6]
        return _GENERIC_SKILLS.get(code[0], _GENERIC_SKILLS["4"])

    usable["skills"] = [nearest_skills(code) for code in usable["code"]]
    usable["physical"] = usable["major"].isin(["5", "6"]) | usable["name"].str.contains(
        _PHYSICAL_WORDS, regex=True
    )
    usable["typical_education"] = [_typical_education(m) for m in usable["major"]]
    per_major = usable["major"].map(usable["major"].value_counts())
    usable["weight"] = usable["major"].map(MAJOR_GROUP_WEIGHTS) / per_major

    rows: list[tuple[str, str]] = []
    for code, name, aliases in zip(usable["code"], usable["name"], usable["aliases"], strict=True):
        rows.append((code, name))
        rows.extend((code, alias) for alias in reference.split_list(aliases))
    for frame in (welfare, grassroots):
        for code, cell in zip(frame["occupation_code"], frame["titles"], strict=True):
            rows.extend((str(code), title) for title in reference.split_list(cell))
    titles = (
        pd.DataFrame(rows, columns=["code", "title"])
        .drop_duplicates()
        .sort_values(["code", "title"], kind="stable")
        .reset_index(drop=True)
    )
    titles = titles[titles["code"].isin(set(usable["code"]))].reset_index(drop=True)
    columns = ["code", "name", "major", "middle", "minor", "skills", "physical"]
    return usable[[*columns, "typical_education", "weight"]], titles


def education_rank(levels: pd.Series | np.ndarray) -> np.ndarray:
    """Rank of each education code in :data:`EDUCATION_LEVELS` (0 = primary)."""
    codes = pd.Categorical(np.asarray(levels, dtype=str), categories=list(EDUCATION_LEVELS)).codes
    return np.asarray(codes, dtype=np.int64)
