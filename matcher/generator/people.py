"""Seekers: hard-to-employ registrants and college graduates, with names, identity numbers,
priority-group attributes, desired titles and skills (observed, with noise) and latent traits
(hidden, in the truth tables).

The shares of the notice's twelve welfare groups among hard-to-employ seekers are set by
:data:`GROUP_TARGETS`; the generator builds attributes from them (an age band for "4050" and
near-retirement, household flags, personal flags), so the measured shares match in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from matcher import reference
from matcher.generator import noise
from matcher.generator._draw import choice, day, days_between, join_columns, years_before
from matcher.generator.households import (
    MINIMUM_ALLOWANCE_SHARE,
    NEAR_MINIMUM_SHARE,
    URBAN_HUKOU_SHARE,
    ZERO_EMPLOYMENT_SHARE_OF_URBAN,
)
from matcher.generator.world import World
from matcher.idnumber import make_array
from matcher.schemas.tables import EDUCATION_LEVELS

# Target share of each welfare group of the notice's (三) among hard-to-employ seekers; group ids
# are those of data/priority_groups.csv. A seeker may belong to several groups (overlaps are
# realistic: a 4050 worker in a minimum-allowance household), and about a fifth belong to none.
# Definitions as the generator builds them (at the reference date R):
#   zero_employment       household certified zero-employment (urban hukou only)
#   age_4050              registered unemployed; women born by 1967-12-31, men by 1957-12-31
#   near_retirement       registered unemployed, within 5 years of 60 (men), 50 (women), 55
#                         (women cadres), not yet at it
#   minimum_allowance     household receives 低保;  near_minimum: household just above the line
#   long_term_unemployed  unemployed_since at least 365 days before R
#   disabled, demobilised_soldier, model_worker, military_spouse, martyr_family, single_parent:
#                         the seeker's flag
GROUP_TARGETS: dict[str, float] = {
    "zero_employment": URBAN_HUKOU_SHARE * ZERO_EMPLOYMENT_SHARE_OF_URBAN,
    "age_4050": 0.45,
    "near_retirement": 0.19,
    "minimum_allowance": MINIMUM_ALLOWANCE_SHARE,
    "near_minimum": NEAR_MINIMUM_SHARE,
    "long_term_unemployed": 0.30,
    "disabled": 0.06,
    "demobilised_soldier": 0.03,
    "model_worker": 0.01,
    "military_spouse": 0.02,
    "martyr_family": 0.01,
    "single_parent": 0.05,
}

# The "4050" rule counts age reached by the end of 2007.
WOMEN_4050_BORN_BY = date(1967, 12, 31)
MEN_4050_BORN_BY = date(1957, 12, 31)

# Age bands of hard-to-employ seekers by sex, as (name, probability). Together with forcing
# registration for the older bands they give the 4050 (0.45) and near-retirement (0.19) targets:
# men 0.26 + 0.16 = 0.42 and women 0.26 + 0.19 + 0.03 = 0.48 are 4050; men 0.16 and women
# 0.19 + 0.03 are near retirement.
MEN_BANDS = (("young", 0.58), ("mid", 0.26), ("near", 0.16))
WOMEN_BANDS = (("young", 0.52), ("mid", 0.26), ("near", 0.19), ("cadre_near", 0.03))

HARD_EDUCATION = (
    ("primary", 0.08),
    ("junior_secondary", 0.42),
    ("senior_secondary", 0.24),
    ("vocational", 0.16),
    ("junior_college", 0.07),
    ("bachelor", 0.03),
)
GRADUATE_EDUCATION = (("junior_college", 0.45), ("bachelor", 0.48), ("master", 0.07))
# Age at leaving school by level, for graduation years.
LEAVING_AGE = {
    "primary": 13,
    "junior_secondary": 16,
    "senior_secondary": 19,
    "vocational": 19,
    "junior_college": 21,
    "bachelor": 22,
    "master": 25,
    "doctorate": 28,
}
# Monthly reservation wage (yuan, 2009) by education before city and personal variation.
BASE_RESERVATION_WAGE = {
    "primary": 650,
    "junior_secondary": 700,
    "senior_secondary": 800,
    "vocational": 850,
    "junior_college": 1000,
    "bachelor": 1200,
    "master": 1600,
    "doctorate": 2000,
}
LARGE_CITY_WAGE_FACTOR = 1.15
LIAOXIBEI_WAGE_FACTOR = 0.90

# Shares among hard-to-employ seekers of things that are not priority groups.
YOUNG_REGISTERED_SHARE = 0.80
LAID_OFF_SHARE_OLDER, LAID_OFF_SHARE_YOUNG = 0.50, 0.12
RETURNING_MIGRANT_SHARE_OF_RURAL = 0.45
CADRE_SHARE = 0.05
# Hard-to-employ seekers whose true occupation is a welfare post type's (the rest: job-fair
# occupations in services, agriculture and production).
HARD_WELFARE_OCCUPATION_SHARE = 0.45
GRADUATE_CATALOGUE_OCCUPATION_SHARE = 0.50

# How seekers write what they want (rates per title).
SEEKER_TITLE_NOISE = {
    "decoration_rate": 0.15,
    "typo_rate": 0.10,
    "full_width_rate": 0.06,
    "space_rate": 0.10,
}
SECOND_TITLE_SHARE, RELATED_TITLE_SHARE, NO_TITLE_SHARE = 0.55, 0.30, 0.04
REPORTED_SKILL_KEEP, SKILL_SYNONYM_RATE, NO_SKILLS_SHARE = 0.85, 0.35, 0.08


@dataclass(frozen=True)
class SeekerDraw:
    """Seekers as generated: the public table and its hidden truth."""

    seekers: pd.DataFrame  # the ``seekers`` table, spec columns in order
    truth: pd.DataFrame  # ``seeker_id`` and latent traits
    kind: np.ndarray  # "hard" or "graduate" per row, for summaries and tests


def _bands(rng: np.random.Generator, bands: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([name for name, _ in bands])
    return choice(rng, names, n, [p for _, p in bands])


def _birth_dates_hard(
    rng: np.random.Generator, sex: np.ndarray, reference_date: date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Birth dates of hard-to-employ seekers by age band; returns (birth, band, cadre)."""
    n = len(sex)
    male = sex == "M"
    band = np.where(male, _bands(rng, MEN_BANDS, n), _bands(rng, WOMEN_BANDS, n))
    one = np.timedelta64(1, "D")
    adult = years_before(reference_date, 18)
    # (low, high) inclusive per (sex, band)
    ranges = {
        ("M", "young"): (day(MEN_4050_BORN_BY) + one, adult),
        ("M", "mid"): (years_before(reference_date, 55) + one, day(MEN_4050_BORN_BY)),
        ("M", "near"): (years_before(reference_date, 60) + one, years_before(reference_date, 55)),
        ("F", "young"): (day(WOMEN_4050_BORN_BY) + one, adult),
        ("F", "mid"): (years_before(reference_date, 45) + one, day(WOMEN_4050_BORN_BY)),
        ("F", "near"): (years_before(reference_date, 50) + one, years_before(reference_date, 45)),
        ("F", "cadre_near"): (
            years_before(reference_date, 55) + one,
            years_before(reference_date, 50),
        ),
    }
    low = np.empty(n, dtype="datetime64[D]")
    high = np.empty(n, dtype="datetime64[D]")
    for (band_sex, band_name), (lo, hi) in ranges.items():
        rows = (sex == band_sex) & (band == band_name)
        low[rows], high[rows] = lo, hi
    birth = days_between(rng, low, high)
    cadre = np.where(
        band == "cadre_near",
        True,
        np.where((~male) & (band == "near"), False, rng.random(n) < CADRE_SHARE),
    )
    return birth, band, cadre


def make_seekers(
    rng: np.random.Generator,
    world: World,
    *,
    n_hard: int,
    n_graduates: int,
    household_of_seeker: np.ndarray,
    households: pd.DataFrame,
    reference_date: date,
) -> SeekerDraw:
    """Draw every seeker's attributes; rows ``[0, n_hard)`` are hard-to-employ, the rest graduates.

    ``households`` gets its ``members`` column updated in place by the caller from
    ``single_parent`` (see :func:`household_members`).
    """
    n = n_hard + n_graduates
    hard = np.arange(n) < n_hard
    grad = ~hard
    ref = day(reference_date)
    ref_year = reference_date.year
    household = households.iloc[household_of_seeker]
    city = household["city"].to_numpy(dtype=str)
    district = household["district"].to_numpy(dtype=str)
    urban = household["urban"].to_numpy(dtype=bool)

    sex = np.where(rng.random(n) < 0.5, "M", "F")
    male = sex == "M"

    # --- birth dates, age bands, cadre -------------------------------------------------------
    birth = np.empty(n, dtype="datetime64[D]")
    band = np.full(n, "graduate", dtype=object)
    cadre = np.zeros(n, dtype=bool)
    b_hard, band_hard, cadre_hard = _birth_dates_hard(rng, sex[hard], reference_date)
    birth[hard], band[hard], cadre[hard] = b_hard, band_hard, cadre_hard

    education = np.empty(n, dtype=object)
    education[hard] = choice(
        rng, [e for e, _ in HARD_EDUCATION], n_hard, [p for _, p in HARD_EDUCATION]
    )
    education[grad] = choice(
        rng, [e for e, _ in GRADUATE_EDUCATION], n_graduates, [p for _, p in GRADUATE_EDUCATION]
    )
    graduation_year = np.zeros(n, dtype=np.int64)
    graduation_year[grad] = choice(
        rng, [ref_year - 2, ref_year - 1, ref_year], n_graduates, [0.25, 0.35, 0.40]
    )
    leaving_age = np.array([LEAVING_AGE[e] for e in EDUCATION_LEVELS])[_rank(education)]
    grad_birth_year = graduation_year[grad] - leaving_age[grad] - rng.integers(-1, 2, n_graduates)
    grad_low = (grad_birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    birth[grad] = days_between(rng, grad_low, grad_low + np.timedelta64(364, "D"))
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    graduation_year[hard] = np.minimum(
        birth_year[hard] + leaving_age[hard] + rng.integers(0, 2, n_hard), ref_year
    )

    # --- unemployment and registration --------------------------------------------------------
    older = np.isin(band, ["mid", "near", "cadre_near"])
    registered = np.where(
        hard,
        older | (rng.random(n) < YOUNG_REGISTERED_SHARE),
        np.where(graduation_year < ref_year, rng.random(n) < 0.60, rng.random(n) < 0.10),
    )
    long_term = hard & (rng.random(n) < GROUP_TARGETS["long_term_unemployed"])
    spell_days = np.where(long_term, rng.integers(366, 365 * 6, n), rng.integers(14, 361, n))
    since = (ref - spell_days.astype("timedelta64[D]")).astype("datetime64[D]")
    # Graduates' spells start when they leave college (1 July) plus a job search.
    left = (graduation_year - 1970).astype("datetime64[Y]").astype(
        "datetime64[D]"
    ) + np.timedelta64(181, "D")
    grad_since = np.minimum(left + rng.integers(0, 120, n).astype("timedelta64[D]"), ref)
    since = np.where(grad, grad_since, since)
    has_since = hard | registered
    registered_low = np.where(has_since, since, ref - np.timedelta64(120, "D"))
    registered_high = np.minimum(registered_low + np.timedelta64(90, "D"), ref)
    registered_date = days_between(rng, registered_low, registered_high)

    # --- personal flags -------------------------------------------------------------------------
    u = rng.random((6, n))
    disabled = np.where(hard, u[0] < GROUP_TARGETS["disabled"], u[0] < 0.01)
    demobilised = hard & (u[1] < np.where(male, 0.055, 0.005))
    model_worker = hard & (u[2] < GROUP_TARGETS["model_worker"])
    military_spouse = hard & (u[3] < np.where(male, 0.005, 0.035))
    martyr = hard & (u[4] < GROUP_TARGETS["martyr_family"])
    single_parent = hard & (u[5] < GROUP_TARGETS["single_parent"])
    laid_off = hard & (rng.random(n) < np.where(older, LAID_OFF_SHARE_OLDER, LAID_OFF_SHARE_YOUNG))
    returning_migrant = (
        hard & ~urban & (band != "near") & (rng.random(n) < RETURNING_MIGRANT_SHARE_OF_RURAL)
    )

    # --- occupations, majors, titles, skills ----------------------------------------------------
    true_code, major = _true_occupations(rng, world, hard, education)
    true_skills, reported_skills = _skills(rng, world, true_code)
    desired = _desired_titles(rng, world, true_code)

    # --- wages and latent traits -----------------------------------------------------------------
    cities = world.cities.set_index("code")
    city_factor = np.where(
        cities.loc[city, "large"].to_numpy(dtype=bool),
        LARGE_CITY_WAGE_FACTOR,
        np.where(cities.loc[city, "liaoxibei"].to_numpy(dtype=bool), LIAOXIBEI_WAGE_FACTOR, 1.0),
    )
    base_wage = np.array([BASE_RESERVATION_WAGE[e] for e in EDUCATION_LEVELS])[_rank(education)]
    true_wage = base_wage * city_factor * np.exp(rng.normal(0.0, 0.18, n))
    reported_wage = np.round(true_wage * np.exp(rng.normal(0.0, 0.10, n)) / 100.0) * 100.0
    wage_missing = rng.random(n) < 0.10

    age_years = (ref - birth).astype(np.int64) / 365.25
    ability = rng.normal(0.0, 1.0, n) + 0.15 * (_rank(education) - 2)
    motivation = rng.normal(0.0, 1.0, n)
    tolerance = 18.0 * np.exp(rng.normal(0.0, 0.5, n)) * np.where(age_years > 45, 0.8, 1.0)
    tolerance = tolerance * np.where(returning_migrant, 1.6, 1.0)
    physical = np.clip(
        1.0 - 0.012 * np.maximum(age_years - 35.0, 0.0) - 0.35 * disabled + rng.normal(0, 0.08, n),
        0.05,
        1.0,
    )

    names = _names(rng, world, sex)
    id_numbers = _identity_numbers(district, birth, male)

    seekers = pd.DataFrame(
        {
            "seeker_id": pd.Series(np.zeros(n, dtype=str)),  # set by the caller after ordering
            "id_number": id_numbers,
            "name": names,
            "sex": sex,
            "birth_date": birth,
            "city": city,
            "district": district,
            "hukou": np.where(urban, "urban", "rural"),
            "education": education.astype(str),
            "graduation_year": pd.array(graduation_year, dtype="Int64"),
            "major": pd.array(major, dtype="string"),
            "skills": reported_skills.to_numpy(),
            "desired_titles": desired.to_numpy(),
            "reservation_wage": pd.array(
                np.where(wage_missing, 0, reported_wage).astype(np.int64), dtype="Int64"
            ),
            "registered_unemployed": registered,
            "unemployed_since": pd.Series(since).where(pd.Series(has_since)),
            "registered_date": registered_date,
            "household_id": household["household_id"].to_numpy(dtype=str),
            "disabled": disabled,
            "returning_migrant": returning_migrant,
            "laid_off": laid_off,
            "demobilised_soldier": demobilised,
            "model_worker": model_worker,
            "military_spouse": military_spouse,
            "martyr_family": martyr,
            "single_parent": single_parent,
            "cadre": cadre,
        }
    )
    seekers.loc[wage_missing, "reservation_wage"] = pd.NA
    truth = pd.DataFrame(
        {
            "seeker_id": seekers["seeker_id"],
            "kind": np.where(hard, "hard_to_employ", "graduate"),
            "age_band": band.astype(str),
            "true_occupation": true_code,
            "true_skills": true_skills.to_numpy(),
            "ability": np.round(ability, 4),
            "motivation": np.round(motivation, 4),
            "true_reservation_wage": np.round(true_wage).astype(np.int64),
            "commute_tolerance_km": np.round(tolerance, 2),
            "physical_capacity": np.round(physical, 4),
        }
    )
    return SeekerDraw(seekers=seekers, truth=truth, kind=np.where(hard, "hard", "graduate"))


def _rank(education: np.ndarray) -> np.ndarray:
    codes = pd.Categorical(np.asarray(education, dtype=str), categories=list(EDUCATION_LEVELS))
    return np.asarray(codes.codes, dtype=np.int64)


def _true_occupations(
    rng: np.random.Generator, world: World, hard: np.ndarray, education: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each seeker's latent true occupation code and (for college education) major."""
    n = len(hard)
    occupations = world.occupations
    pool_codes = occupations["code"].to_numpy(dtype=str)
    major_group = occupations["major"].to_numpy(dtype=str)
    weight = occupations["weight"].to_numpy(dtype=float)

    welfare_codes = world.welfare_types["occupation_code"].to_numpy(dtype=str)
    welfare_codes = welfare_codes[np.isin(welfare_codes, pool_codes)]
    manual_w = np.where(np.isin(major_group, ["4", "5", "6"]), weight, 0.0)
    office_w = np.where(np.isin(major_group, ["2", "3", "4"]), weight, 0.0)

    # (major, occupation) pairs from the grassroots catalogue: a graduate's major and the
    # catalogue post type it prepares for.
    catalogue = world.grassroots_types
    pairs = [
        (major, str(code))
        for code, cell in zip(catalogue["occupation_code"], catalogue["majors"], strict=True)
        for major in reference.split_list(str(cell))
        if str(code) in set(pool_codes)
    ]
    pair_majors = np.array([m for m, _ in pairs], dtype=object)
    pair_codes = np.array([c for _, c in pairs], dtype=object)

    code = np.empty(n, dtype=object)
    major = np.full(n, None, dtype=object)
    college = _rank(education) >= EDUCATION_LEVELS.index("junior_college")
    pair_pick = rng.integers(0, len(pairs), n)
    major[college] = pair_majors[pair_pick[college]]

    use_welfare = hard & (rng.random(n) < HARD_WELFARE_OCCUPATION_SHARE)
    code[use_welfare] = choice(rng, welfare_codes, int(use_welfare.sum()))
    manual = hard & ~use_welfare
    code[manual] = choice(rng, pool_codes, int(manual.sum()), manual_w / manual_w.sum())
    grad = ~hard
    use_catalogue = grad & (rng.random(n) < GRADUATE_CATALOGUE_OCCUPATION_SHARE)
    code[use_catalogue] = pair_codes[pair_pick[use_catalogue]]
    office = grad & ~use_catalogue
    code[office] = choice(rng, pool_codes, int(office.sum()), office_w / office_w.sum())
    return code.astype(str), major


def occupation_skill_blocks(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(codes, start, count, skills): the canonical skills of occupation ``codes[i]`` are
    ``skills[start[i]:start[i] + count[i]]``; codes sorted, every block non-empty."""
    occupations = world.occupations
    rows = [
        (code, skill)
        for code, skills in zip(occupations["code"], occupations["skills"], strict=True)
        for skill in skills
    ]
    frame = pd.DataFrame(rows, columns=["code", "skill"]).sort_values(
        ["code", "skill"], kind="stable"
    )
    codes, start, count = np.unique(
        frame["code"].to_numpy(dtype=str), return_index=True, return_counts=True
    )
    return codes, start, count, frame["skill"].to_numpy(dtype=object)


def draw_skill_sets(
    rng: np.random.Generator, world: World, codes: np.ndarray, k_max: int = 3
) -> tuple[list[pd.Series], list[np.ndarray]]:
    """Up to ``k_max`` distinct canonical skills per row from its occupation's skills.

    Returns the skill columns and, per column, where it holds a new (not repeated) skill.
    """
    block_codes, start, count, skills = occupation_skill_blocks(world)
    block = np.searchsorted(block_codes, codes)
    wanted = rng.integers(1, k_max + 1, len(codes))
    columns: list[pd.Series] = []
    present: list[np.ndarray] = []
    for k in range(k_max):
        offset = np.floor(rng.random(len(codes)) * count[block]).astype(np.int64)
        column = skills[start[block] + offset]
        fresh = wanted > k
        for earlier in columns:
            fresh &= column != earlier.to_numpy()
        columns.append(pd.Series(column, dtype="string"))
        present.append(fresh)
    return columns, present


def _skills(
    rng: np.random.Generator, world: World, codes: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """True skills (canonical) and reported skills (a subset, some as synonyms)."""
    columns, present = draw_skill_sets(rng, world, codes)
    true_skills = join_columns(columns, present)
    synonyms = noise.synonym_table(world.skills)
    n = len(codes)
    keep_all = rng.random(n) >= NO_SKILLS_SHARE
    reported_columns = [noise.noisy_skills(c, synonyms, rng, SKILL_SYNONYM_RATE) for c in columns]
    reported_present = [p & keep_all & (rng.random(n) < REPORTED_SKILL_KEEP) for p in present]
    return true_skills, join_columns(reported_columns, reported_present)


def _desired_titles(rng: np.random.Generator, world: World, codes: np.ndarray) -> pd.Series:
    """One to three desired titles: the true occupation's titles, sometimes a related
    occupation's, all with the noise seekers' handwriting adds."""
    n = len(codes)
    title_codes, start, count, titles = world.titles_by_code()
    block = np.searchsorted(title_codes, codes)
    first = titles[start[block] + np.floor(rng.random(n) * count[block]).astype(np.int64)]
    second = titles[start[block] + np.floor(rng.random(n) * count[block]).astype(np.int64)]
    related_code = _related_codes(rng, world, codes)
    related_block = np.searchsorted(title_codes, related_code)
    third = titles[
        start[related_block] + np.floor(rng.random(n) * count[related_block]).astype(np.int64)
    ]
    has_any = rng.random(n) >= NO_TITLE_SHARE
    present = [
        has_any,
        has_any & (rng.random(n) < SECOND_TITLE_SHARE) & (second != first),
        has_any & (rng.random(n) < RELATED_TITLE_SHARE) & (third != first) & (third != second),
    ]
    columns = [
        noise.noisy_titles(
            pd.Series(t, dtype="string"),
            rng,
            SEEKER_TITLE_NOISE,
            noise.WISH_PREFIXES,
            noise.WISH_SUFFIXES,
        )
        for t in (first, second, third)
    ]
    # Noise may have made a title empty or put the separator into it; neither may reach the file.
    columns = [c.str.replace("|", "/", regex=False) for c in columns]
    present = [
        p & (c.str.strip().str.len() > 0).to_numpy() for p, c in zip(present, columns, strict=True)
    ]
    return join_columns(columns, present)


def _related_codes(rng: np.random.Generator, world: World, codes: np.ndarray) -> np.ndarray:
    """A random pool occupation in the same middle group (e.g. 4-07) as each code."""
    pool = world.occupations.sort_values("code", kind="stable")
    middles = pool["middle"].to_numpy(dtype=str)
    unique_middles, start, count = np.unique(middles, return_index=True, return_counts=True)
    wanted = np.array([c[:4] for c in codes]) if len(codes) else np.array([], dtype=str)
    block = np.searchsorted(unique_middles, wanted)
    block = np.clip(block, 0, len(unique_middles) - 1)
    found = unique_middles[block] == wanted
    offset = np.floor(rng.random(len(codes)) * count[block]).astype(np.int64)
    related = pool["code"].to_numpy(dtype=str)[start[block] + offset]
    return np.where(found, related, codes)


def _names(rng: np.random.Generator, world: World, sex: np.ndarray) -> np.ndarray:
    """Surname plus one or two given-name characters (two for about three in four people)."""
    n = len(sex)
    surname = choice(rng, world.surnames, n, world.surname_weights)
    male = sex == "M"
    first = np.where(
        male,
        choice(rng, world.given_male, n, world.given_male_weights),
        choice(rng, world.given_female, n, world.given_female_weights),
    )
    second = np.where(
        male,
        choice(rng, world.given_male, n, world.given_male_weights),
        choice(rng, world.given_female, n, world.given_female_weights),
    )
    two = rng.random(n) < 0.75
    return np.char.add(np.char.add(surname, first), np.where(two, second, ""))


def _identity_numbers(district: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Valid, unique identity numbers: the seeker's district, birth date, and a sequence whose
    parity gives the sex, numbered within each (district, birth date, sex) from a spread start."""
    n = len(district)
    region = district.astype(np.int64)
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "").astype(np.int64)
    key = region * 100_000_000 + ymd
    order = np.lexsort((male, key))
    sorted_key, sorted_male = key[order], male[order]
    new_group = np.r_[
        True, (sorted_key[1:] != sorted_key[:-1]) | (sorted_male[1:] != sorted_male[:-1])
    ]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    rank_sorted = np.arange(n) - group_start
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    base = (key * 7919) % 450  # a spread, deterministic start so sequences are not all 001
    sequence = 2 * ((base + rank) % 500) + male.astype(np.int64)
    return make_array(region, ymd, sequence)


def household_members(
    households: pd.DataFrame, seekers: pd.DataFrame, rng: np.random.Generator
) -> np.ndarray:
    """Household sizes: the seekers in it plus non-seeker members (children, retired parents);
    a household with a single parent has at least one more member, the minor child."""
    extra = rng.choice(np.array([0, 1, 2, 3]), size=len(households), p=[0.25, 0.35, 0.30, 0.10])
    has_single_parent = (
        seekers.groupby("household_id", sort=False)["single_parent"]
        .any()
        .reindex(households["household_id"])
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    extra = np.where(has_single_parent & (extra == 0), 1, extra)
    return np.minimum(households["members"].to_numpy(dtype=np.int64) + extra, 30)
