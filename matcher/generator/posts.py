"""Employers and posts: welfare, grassroots, internship and public employment-service posts and
ordinary job-fair vacancies (all ``open``), plus the ``filled``/``closed`` posts of 2007-2008
that historical referrals point to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from matcher import reference
from matcher.generator import noise
from matcher.generator._draw import apportion, choice, day, days_between, ids, join_columns
from matcher.generator.people import draw_skill_sets
from matcher.generator.scales import Scale
from matcher.generator.world import World

POST_COLUMNS: tuple[str, ...] = (
    "program",
    "employer_position",
    "title",
    "post_type",
    "occupation_code",
    "city",
    "district",
    "area",
    "capacity",
    "min_education",
    "min_age",
    "max_age",
    "wanted_skills",
    "wage",
    "posted_date",
    "status",
    "true_occupation",
    "true_skills",
)

# How employers write titles (rates per title): decorated job-fair ads, cleaner program posts.
VACANCY_TITLE_NOISE = {
    "decoration_rate": 0.35,
    "typo_rate": 0.05,
    "full_width_rate": 0.08,
    "space_rate": 0.08,
}
PROGRAM_TITLE_NOISE = {
    "decoration_rate": 0.10,
    "typo_rate": 0.02,
    "full_width_rate": 0.03,
    "space_rate": 0.04,
}
VACANCY_UNCODED_SHARE = 0.15  # employers often leave the occupation code empty
WELFARE_IN_COMMUNITIES = 0.85
TEACHER_SHARE_OF_GRASSROOTS = 0.15
# Job fairs concentrate in the large cities: Shenyang gets about 8,000 of 40,000 vacancies.
LARGE_CITY_VACANCY_WEIGHT = 1.18
VACANCY_BASE_WAGE = {"2": 2000, "3": 1300, "4": 1100, "5": 900, "6": 1400}
INTERNSHIP_ALLOWANCE = (450, 700)  # >= 60 % of the 2009 local minimum wage
HISTORY_PROGRAMS = (
    ("vacancy", 0.80),
    ("welfare", 0.12),
    ("grassroots", 0.05),
    ("internship", 0.03),
)
HISTORY_FIRST_DAY, HISTORY_LAST_POSTED = date(2007, 1, 1), date(2008, 11, 30)
HISTORY_FILLED_SHARE = 0.70

_COMMUNITY_STEMS = np.array(
    list(
        [
            "幸福",
            "和平",
            "建设",
            "光明",
            "新华",
            "友谊",
            "民主",
            "胜利",
            "长青",
            "春光",
            "文化",
            "工人",
            "北站",
            "南湖",
            "东风",
            "团结",
            "向阳",
            "繁荣",
            "兴华",
            "滨河",
        ]
    )
)
_TOWNSHIP_STEMS = np.array(
    list(
        [
            "新民",
            "大屯",
            "兴隆",
            "前进",
            "红旗",
            "太平",
            "永安",
            "黄家",
            "王家",
            "三道沟",
            "二台子",
            "石佛",
            "高台",
            "双山",
            "小堡",
            "杨家",
            "柳河",
            "东岗",
        ]
    )
)
_FIRM_STEMS = np.array(
    list(
        [
            "华晨",
            "北方",
            "东信",
            "辽河",
            "金海",
            "宏达",
            "盛京",
            "恒通",
            "天成",
            "利民",
            "鑫源",
            "长城",
            "万达",
            "兴业",
            "瑞丰",
            "新宇",
            "海洋",
            "远航",
        ]
    )
)
_INDUSTRIES = np.array(
    list(
        [
            "装备制造",
            "汽车",
            "石化",
            "冶金",
            "船舶",
            "农产品加工",
            "商贸",
            "餐饮住宿",
            "物流",
            "建筑",
            "信息技术",
            "纺织服装",
            "物业",
        ]
    )
)


@dataclass(frozen=True)
class PostDraw:
    """Employers and posts as generated, with the posts' hidden truth."""

    employers: pd.DataFrame  # the ``employers`` table plus a ``position`` helper column
    posts: pd.DataFrame  # the ``posts`` table, spec columns in order
    truth: (
        pd.DataFrame
    )  # ``post_id``, ``true_occupation``, ``true_skills``, ``physical``, ``job_quality``


def city_weights(world: World, cities: list[str]) -> np.ndarray:
    """Population weights of ``cities``."""
    table = world.cities.set_index("code")
    return table.loc[cities, "population_millions"].to_numpy(dtype=float)


def _employers(
    rng: np.random.Generator, world: World, scale: Scale, cities: list[str]
) -> pd.DataFrame:
    """Communities, townships (each with a nine-year school), enterprises and one employment
    service agency per district."""
    weights = city_weights(world, cities)
    districts = world.districts[world.districts["city"].isin(cities)]
    parts: list[pd.DataFrame] = []

    def place(kind: str, count: int, urban_share: float) -> pd.DataFrame:
        # Every city gets at least one of each kind when there are enough to go round, so a
        # city's posts never have to borrow an employer from another city.
        floor = 1 if count >= len(cities) else 0
        per_city = floor + apportion(count - floor * len(cities), weights)
        city = np.repeat(np.asarray(cities), per_city)
        want_urban = rng.random(len(city)) < urban_share
        pos = _district_in_city(rng, districts, city, want_urban)
        return pd.DataFrame({"kind": kind, "city": city, "district_position": pos})

    communities = place("community", scale.communities, 1.0)
    townships = place("township", scale.townships, 0.0)
    schools = townships.assign(kind="institution")
    enterprises = place("enterprise", scale.enterprises, 0.75)
    agencies = pd.DataFrame(
        {
            "kind": "agency",
            "city": districts["city"].to_numpy(dtype=str),
            "district_position": districts["position"].to_numpy(dtype=np.int64),
        }
    )
    parts = [communities, townships, schools, enterprises, agencies]
    employers = pd.concat(parts, ignore_index=True)
    n = len(employers)
    names = world.districts["name"].to_numpy(dtype=str)[employers["district_position"].to_numpy()]
    city_names = world.cities.set_index("code").loc[employers["city"], "name"].to_numpy(dtype=str)
    community = np.char.add(np.char.add(names, choice(rng, _COMMUNITY_STEMS, n)), "社区居委会")
    township_stem = choice(rng, _TOWNSHIP_STEMS, n)
    township = np.char.add(np.char.add(names, township_stem), "镇人民政府")
    industry = choice(rng, _INDUSTRIES, n)
    firm = np.char.add(np.char.add(city_names, choice(rng, _FIRM_STEMS, n)), industry)
    firm = np.char.add(firm, "有限公司")
    agency = np.char.add(names, "劳动就业服务中心")
    kind = employers["kind"].to_numpy(dtype=str)
    name = np.select(
        [kind == "community", kind == "township", kind == "enterprise", kind == "agency"],
        [community, township, firm, agency],
        default="",
    )
    # The school of township i is named after it.
    n_comm, n_town = len(communities), len(townships)
    school_rows = np.arange(n_comm + n_town, n_comm + 2 * n_town)
    name[school_rows] = np.char.add(name[n_comm : n_comm + n_town], "").astype(str)
    name[school_rows] = np.char.add(
        np.char.replace(name[n_comm : n_comm + n_town], "镇人民政府", "镇"), "九年一贯制学校"
    )
    employers["name"] = name
    employers["industry"] = pd.Series(
        np.select(
            [kind == "enterprise", kind == "institution", kind == "agency"],
            [industry, np.full(n, "教育"), np.full(n, "公共就业服务")],
            default="公共管理和社会组织",
        ),
        dtype="string",
    )
    employers["district"] = world.districts["code"].to_numpy(dtype=str)[
        employers["district_position"].to_numpy()
    ]
    employers["employer_id"] = ids("E", n, 6)
    employers["position"] = np.arange(n)
    return employers


def _district_in_city(
    rng: np.random.Generator, districts: pd.DataFrame, city: np.ndarray, want_urban: np.ndarray
) -> np.ndarray:
    """A district position per row in the row's city, urban (city district) or not as wanted,
    falling back to the other kind where a city has none."""
    keys = districts["city"].to_numpy(dtype=str) + np.where(
        districts["urban"].to_numpy(dtype=bool), "u", "r"
    )
    order = np.argsort(keys, kind="stable")
    unique_keys, start, count = np.unique(keys[order], return_index=True, return_counts=True)
    wanted = np.char.add(city.astype(str), np.where(want_urban, "u", "r"))
    other = np.char.add(city.astype(str), np.where(want_urban, "r", "u"))
    wanted = np.where(np.isin(wanted, unique_keys), wanted, other)
    block = np.searchsorted(unique_keys, wanted)
    offset = np.floor(rng.random(len(city)) * count[block]).astype(np.int64)
    positions = districts["position"].to_numpy(dtype=np.int64)
    return positions[order[start[block] + offset]]


def _capacities(rng: np.random.Generator, places: int, posts: int, shape: float) -> np.ndarray:
    """``posts`` capacities of at least 1 summing to ``places``, skewed (gamma weights)."""
    posts = max(min(posts, places), 1 if places > 0 else 0)
    if posts == 0:
        return np.zeros(0, dtype=np.int64)
    weights = rng.gamma(shape, 1.0, posts)
    extra = rng.multinomial(places - posts, weights / weights.sum())
    return (1 + extra).astype(np.int64)


def _pick_employers(
    rng: np.random.Generator, employers: pd.DataFrame, kind: str, city: np.ndarray
) -> np.ndarray:
    """An employer position of ``kind`` in each row's city (any city if that one has none)."""
    pool = employers[employers["kind"] == kind]
    pool_city = pool["city"].to_numpy(dtype=str)
    order = np.argsort(pool_city, kind="stable")
    unique_cities, start, count = np.unique(pool_city[order], return_index=True, return_counts=True)
    block = np.clip(np.searchsorted(unique_cities, city), 0, len(unique_cities) - 1)
    found = unique_cities[block] == city
    offset = np.floor(rng.random(len(city)) * count[block]).astype(np.int64)
    anywhere = rng.integers(0, len(pool), len(city))
    chosen = np.where(found, order[start[block] + offset], anywhere)
    return pool["position"].to_numpy(dtype=np.int64)[chosen]


def _titles_for(
    rng: np.random.Generator, world: World, codes: np.ndarray, own_titles: np.ndarray | None
) -> np.ndarray:
    """A title per row: from ``own_titles`` (a ``|`` list per row, e.g. a catalogue type's) when
    given, else from the occupation's name and aliases."""
    if own_titles is not None:
        exploded = pd.Series(own_titles).str.split("|").explode()
        counts = exploded.groupby(level=0).size().to_numpy()
        start = np.r_[0, np.cumsum(counts)[:-1]]
        flat = exploded.to_numpy(dtype=object)
        return flat[start + np.floor(rng.random(len(codes)) * counts).astype(np.int64)]
    title_codes, start_c, count_c, titles = world.titles_by_code()
    block = np.searchsorted(title_codes, codes)
    return titles[
        start_c[block] + np.floor(rng.random(len(codes)) * count_c[block]).astype(np.int64)
    ]


def _wanted_skills(
    rng: np.random.Generator,
    world: World,
    codes: np.ndarray,
    synonym_rate: float,
    none_share: float,
) -> tuple[pd.Series, pd.Series]:
    """(posted, true) wanted skills: 1-3 of the occupation's skills, some posted as synonyms."""
    columns, present = draw_skill_sets(rng, world, codes)
    true_skills = join_columns(columns, present)
    table = noise.synonym_table(world.skills)
    shown = rng.random(len(codes)) >= none_share
    posted = join_columns(
        [noise.noisy_skills(c, table, rng, synonym_rate) for c in columns],
        [p & shown for p in present],
    )
    return posted, true_skills


def _frame(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    *,
    program: str,
    employer_position: np.ndarray,
    codes: np.ndarray,
    post_type: np.ndarray | None,
    own_titles: np.ndarray | None,
    capacity: np.ndarray,
    min_education: np.ndarray,
    min_age: np.ndarray,
    max_age: np.ndarray,
    wage: np.ndarray,
    posted: np.ndarray,
    title_noise: dict[str, float],
    uncoded_share: float = 0.0,
) -> pd.DataFrame:
    n = len(codes)
    employer = employers.iloc[employer_position]
    district_position = employer["district_position"].to_numpy(dtype=np.int64)
    urban = world.districts["urban"].to_numpy(dtype=bool)[district_position]
    titles = _titles_for(rng, world, codes, own_titles)
    noisy = noise.noisy_titles(pd.Series(titles, dtype="string"), rng, title_noise)
    posted_skills, true_skills = _wanted_skills(
        rng, world, codes, synonym_rate=0.2, none_share=0.1 if program == "vacancy" else 0.03
    )
    shown_code = rng.random(n) >= uncoded_share
    return pd.DataFrame(
        {
            "program": program,
            "employer_position": employer_position,
            "title": noisy.to_numpy(),
            "post_type": pd.array(
                post_type if post_type is not None else np.full(n, None, dtype=object),
                dtype="string",
            ),
            "occupation_code": pd.Series(codes, dtype="string").where(pd.Series(shown_code)).array,
            "city": employer["city"].to_numpy(dtype=str),
            "district": employer["district"].to_numpy(dtype=str),
            "area": np.where(urban, "urban_community", "rural_township"),
            "capacity": capacity.astype(np.int64),
            "min_education": min_education.astype(str),
            "min_age": pd.array(min_age, dtype="Int64"),
            "max_age": pd.array(max_age, dtype="Int64"),
            "wanted_skills": posted_skills.to_numpy(),
            "wage": wage.astype(np.int64),
            "posted_date": posted,
            "status": "open",
            "true_occupation": codes.astype(str),
            "true_skills": true_skills.to_numpy(),
        }
    )


def _city_rows(per_city: np.ndarray, cities: list[str]) -> np.ndarray:
    return np.repeat(np.asarray(cities), per_city)


def _wage_factor(world: World, city: np.ndarray) -> np.ndarray:
    table = world.cities.set_index("code")
    large = table.loc[city, "large"].to_numpy(dtype=bool)
    liaoxibei = table.loc[city, "liaoxibei"].to_numpy(dtype=bool)
    return np.where(large, 1.15, np.where(liaoxibei, 0.9, 1.0))


def _ages(
    rng: np.random.Generator, n: int, max_choices: list[object], p: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    min_age = np.where(rng.random(n) < 0.6, 18, -1).astype(object)
    min_age[min_age == -1] = None
    max_age = choice(rng, np.array(max_choices, dtype=object), n, p)
    return min_age, max_age


def _posted(
    rng: np.random.Generator, n: int, window: tuple[np.datetime64, np.datetime64]
) -> np.ndarray:
    return days_between(rng, np.full(n, window[0]), np.full(n, window[1]))


def _split_by_city(
    rng: np.random.Generator,
    weights: np.ndarray,
    cities: list[str],
    places: int,
    posts: int,
    shape: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(city, capacity) per post: places and posts apportioned to cities, capacities skewed."""
    places_city = apportion(places, weights)
    posts_city = np.minimum(apportion(posts, weights), places_city)
    capacity = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [
            _capacities(rng, int(pl), int(po), shape)
            for pl, po in zip(places_city, posts_city, strict=True)
        ]
    )
    posts_city = np.where(places_city > 0, np.maximum(posts_city, 1), 0)
    return _city_rows(posts_city, cities), capacity


def _welfare(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    city: np.ndarray,
    capacity: np.ndarray,
    window: tuple[np.datetime64, np.datetime64],
) -> pd.DataFrame:
    """Welfare posts: catalogue types, mostly in urban communities, 600-1,000 yuan."""
    n = len(city)
    types = world.welfare_types
    t = rng.integers(0, len(types), n)
    in_community = rng.random(n) < WELFARE_IN_COMMUNITIES
    employer = np.where(
        in_community,
        _pick_employers(rng, employers, "community", city),
        _pick_employers(rng, employers, "township", city),
    )
    typical = types["typical_wage"].to_numpy(dtype=float)[t]
    wage = np.round((typical + rng.normal(0, 60, n)) * np.sqrt(_wage_factor(world, city)) / 10) * 10
    min_age, max_age = _ages(rng, n, [None, 55, 60], [0.5, 0.2, 0.3])
    return _frame(
        rng,
        world,
        employers,
        program="welfare",
        employer_position=employer,
        codes=types["occupation_code"].to_numpy(dtype=str)[t],
        post_type=types["post_type"].to_numpy(dtype=str)[t],
        own_titles=types["titles"].to_numpy(dtype=str)[t],
        capacity=capacity,
        min_education=types["min_education"].to_numpy(dtype=str)[t],
        min_age=min_age,
        max_age=max_age,
        wage=np.clip(wage, 600, 1000),
        posted=_posted(rng, n, window),
        title_noise=PROGRAM_TITLE_NOISE,
    )


def _grassroots_rows(
    world: World, types: np.ndarray, city: np.ndarray, employer: np.ndarray, capacity: np.ndarray
) -> dict[str, np.ndarray]:
    catalogue = world.grassroots_types.set_index("post_type")
    return {
        "types": types,
        "city": city,
        "employer": employer,
        "capacity": capacity,
        "codes": catalogue.loc[types, "occupation_code"].to_numpy(dtype=str),
        "titles": catalogue.loc[types, "titles"].to_numpy(dtype=str),
        "education": catalogue.loc[types, "min_education"].to_numpy(dtype=str),
        "wage": catalogue.loc[types, "typical_wage"].to_numpy(dtype=float),
    }


def _grassroots(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    weights: np.ndarray,
    cities: list[str],
    places: int,
    window: tuple[np.datetime64, np.datetime64],
    *,
    assistants: bool,
) -> pd.DataFrame:
    """Grassroots posts: two labour-security assistants per township (四十), township nine-year
    school teachers (十三), and the other catalogue types in communities or townships (十)."""
    catalogue = world.grassroots_types
    post_types = catalogue["post_type"].to_numpy(dtype=str)
    area = catalogue["area"].to_numpy(dtype=str)
    is_teacher = np.char.startswith(post_types, "township_teacher")
    is_assistant = post_types == "township_labour_assistant"
    others = post_types[~is_teacher & ~is_assistant]
    parts: list[dict[str, np.ndarray]] = []

    townships = employers[employers["kind"] == "township"]
    if assistants and len(townships) and places >= 2 * len(townships):
        n_t = len(townships)
        parts.append(
            _grassroots_rows(
                world,
                np.full(n_t, "township_labour_assistant"),
                townships["city"].to_numpy(dtype=str),
                townships["position"].to_numpy(dtype=np.int64),
                np.full(n_t, 2),
            )
        )
        places -= 2 * n_t
    teacher_places = round(places * TEACHER_SHARE_OF_GRASSROOTS)
    city, capacity = _split_by_city(rng, weights, cities, teacher_places, teacher_places // 3, 3.0)
    schools = _pick_employers(rng, employers, "institution", city)
    parts.append(
        _grassroots_rows(
            world, choice(rng, post_types[is_teacher], len(city)), city, schools, capacity
        )
    )
    rest = places - teacher_places
    city, capacity = _split_by_city(rng, weights, cities, rest, max(rest // 3, 1), 2.0)
    chosen = choice(rng, others, len(city))
    chosen_area = pd.Series(area, index=post_types).loc[chosen].to_numpy(dtype=str)
    rural = (chosen_area == "rural_township") | (
        (chosen_area == "both") & (rng.random(len(city)) < 0.45)
    )
    employer = np.where(
        rural,
        _pick_employers(rng, employers, "township", city),
        _pick_employers(rng, employers, "community", city),
    )
    parts.append(_grassroots_rows(world, chosen, city, employer, capacity))
    rows = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    n = len(rows["city"])
    wage = np.round((rows["wage"] + rng.uniform(0, 300, n)) / 10) * 10
    min_age, max_age = _ages(rng, n, [30, 35], [0.5, 0.5])
    return _frame(
        rng,
        world,
        employers,
        program="grassroots",
        employer_position=rows["employer"],
        codes=rows["codes"],
        post_type=rows["types"],
        own_titles=rows["titles"],
        capacity=rows["capacity"],
        min_education=rows["education"],
        min_age=min_age,
        max_age=max_age,
        wage=np.maximum(wage, 1000),
        posted=_posted(rng, n, window),
        title_noise=PROGRAM_TITLE_NOISE,
    )


def _occupation_draw(
    rng: np.random.Generator, world: World, n: int, majors: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code, major group, typical education) of ``n`` pool occupations in ``majors``."""
    pool = world.occupations
    weight = np.where(pool["major"].isin(list(majors)), pool["weight"].to_numpy(dtype=float), 0.0)
    rows = rng.choice(len(pool), size=n, p=weight / weight.sum())
    return (
        pool["code"].to_numpy(dtype=str)[rows],
        pool["major"].to_numpy(dtype=str)[rows],
        pool["typical_education"].to_numpy(dtype=str)[rows],
    )


def _shift_education(rng: np.random.Generator, education: np.ndarray) -> np.ndarray:
    """Move a fifth of requirements one level down and a fifth one level up, within the scale
    (a shift below ``primary`` or above ``doctorate`` stays where it is)."""
    levels = np.array(reference.EDUCATION_LEVELS)
    rank = pd.Categorical(education, categories=list(levels)).codes.astype(np.int64)
    step = choice(rng, np.array([-1, 0, 1]), len(education), [0.2, 0.6, 0.2])
    # The top index comes from the level list itself: a hard-coded 6 once cut off "doctorate".
    return levels[np.clip(rank + step, 0, len(levels) - 1)]


def _vacancies(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    city: np.ndarray,
    capacity: np.ndarray,
    window: tuple[np.datetime64, np.datetime64],
) -> pd.DataFrame:
    """Job-fair vacancies: weighted pool occupations, 800-3,000 yuan, often with age caps."""
    n = len(city)
    codes, major, education = _occupation_draw(rng, world, n, ("2", "3", "4", "5", "6"))
    base = pd.Series(VACANCY_BASE_WAGE).loc[major].to_numpy(dtype=float)
    wage = base * _wage_factor(world, city) * np.exp(rng.normal(0.0, 0.2, n))
    min_age, max_age = _ages(rng, n, [None, 35, 40, 45, 50], [0.25, 0.25, 0.25, 0.15, 0.10])
    return _frame(
        rng,
        world,
        employers,
        program="vacancy",
        employer_position=_pick_employers(rng, employers, "enterprise", city),
        codes=codes,
        post_type=None,
        own_titles=None,
        capacity=capacity,
        min_education=_shift_education(rng, education),
        min_age=min_age,
        max_age=max_age,
        wage=np.clip(np.round(wage / 50) * 50, 800, 3000),
        posted=_posted(rng, n, window),
        title_noise=VACANCY_TITLE_NOISE,
        uncoded_share=VACANCY_UNCODED_SHARE,
    )


#: Internship lengths in months and their shares; (十七) allows at most 6.
INTERNSHIP_MONTHS = (np.array([3, 4, 6]), np.array([0.25, 0.20, 0.55]))


def internship_durations(rng: np.random.Generator, posts: pd.DataFrame) -> pd.Series:
    """``duration_months`` per post: drawn for internships, empty for every other post."""
    internship = (posts["program"] == "internship").to_numpy()
    months = rng.choice(INTERNSHIP_MONTHS[0], size=len(posts), p=INTERNSHIP_MONTHS[1])
    return pd.Series(months, index=posts.index, dtype="Int64").where(internship)


def _internships(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    hosts: np.ndarray,
    places: int,
    window: tuple[np.datetime64, np.datetime64],
) -> pd.DataFrame:
    """Internship posts: one to three per host enterprise, places summing to ``places``."""
    if len(hosts) == 0 or places <= 0:
        return _empty(world, employers)
    per_host = rng.integers(1, 4, len(hosts))
    employer = np.repeat(hosts, per_host)
    n = len(employer)
    capacity = _capacities(rng, places, n, 2.0)
    employer = employer[: len(capacity)]
    n = len(employer)
    codes, _, _ = _occupation_draw(rng, world, n, ("2", "3", "4"))
    min_age, max_age = _ages(rng, n, [28, 30], [0.5, 0.5])
    return _frame(
        rng,
        world,
        employers,
        program="internship",
        employer_position=employer,
        codes=codes,
        post_type=None,
        own_titles=None,
        capacity=capacity,
        min_education=np.full(n, "junior_college"),
        min_age=min_age,
        max_age=max_age,
        wage=np.round(rng.uniform(*INTERNSHIP_ALLOWANCE, n) / 10) * 10,
        posted=_posted(rng, n, window),
        title_noise=VACANCY_TITLE_NOISE,
    )


def _public_service(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    city: np.ndarray,
    capacity: np.ndarray,
    window: tuple[np.datetime64, np.datetime64],
) -> pd.DataFrame:
    """Public employment-service posts (四十) at district employment-service centres, coded like
    the catalogue's labour-security and employment posts."""
    n = len(city)
    catalogue = world.grassroots_types
    rows = catalogue[
        catalogue["field"].isin(["labour_social_security", "employment_entrepreneurship"])
    ]
    t = rng.integers(0, len(rows), n)
    return _frame(
        rng,
        world,
        employers,
        program="public_service",
        employer_position=_pick_employers(rng, employers, "agency", city),
        codes=rows["occupation_code"].to_numpy(dtype=str)[t],
        post_type=None,
        own_titles=rows["titles"].to_numpy(dtype=str)[t],
        capacity=capacity,
        min_education=choice(rng, np.array(["senior_secondary", "junior_college"]), n),
        min_age=np.full(n, 18, dtype=object),
        max_age=choice(rng, np.array([None, 45], dtype=object), n),
        wage=np.round(rng.uniform(900, 1200, n) / 10) * 10,
        posted=_posted(rng, n, window),
        title_noise=PROGRAM_TITLE_NOISE,
    )


def _empty(world: World, employers: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in POST_COLUMNS})


def make_posts(
    rng: np.random.Generator, world: World, scale: Scale, cities: list[str], reference_date: date
) -> PostDraw:
    """Employers, current (``open``) posts of every program and historical posts.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator's random stream for posts.
    world : World
        Reference data.
    scale : Scale
        How many of everything.
    cities : list of str
        City codes to generate.
    reference_date : date
        The data's "today"; current posts were posted in the weeks before it, historical ones
        in 2007-2008.
    """
    weights = city_weights(world, cities)
    employers = _employers(rng, world, scale, cities)
    ref = day(reference_date)
    recent = (ref - np.timedelta64(60, "D"), ref)
    fair = (ref - np.timedelta64(30, "D"), ref)

    frames: list[pd.DataFrame] = []
    city, capacity = _split_by_city(
        rng, weights, cities, scale.welfare_places, scale.welfare_posts, 2.0
    )
    frames.append(_welfare(rng, world, employers, city, capacity, recent))
    frames.append(
        _grassroots(
            rng, world, employers, weights, cities, scale.grassroots_places, recent, assistants=True
        )
    )
    enterprises = employers[employers["kind"] == "enterprise"]
    n_hosts = min(scale.internship_enterprises, len(enterprises))
    hosts = rng.choice(
        enterprises["position"].to_numpy(dtype=np.int64), size=n_hosts, replace=False
    )
    frames.append(
        _internships(rng, world, employers, np.sort(hosts), scale.internship_places, recent)
    )
    city, capacity = _split_by_city(
        rng,
        weights,
        cities,
        scale.public_service_places,
        max(scale.public_service_places // 2, 1),
        2.0,
    )
    frames.append(_public_service(rng, world, employers, city, capacity, recent))
    vacancy_weights = weights * np.where(
        world.cities.set_index("code").loc[cities, "large"].to_numpy(dtype=bool),
        LARGE_CITY_VACANCY_WEIGHT,
        1.0,
    )
    city, capacity = _split_by_city(
        rng, vacancy_weights, cities, scale.vacancy_places, int(scale.vacancy_places / 2.5), 0.6
    )
    frames.append(_vacancies(rng, world, employers, city, capacity, fair))
    frames.append(_history_posts(rng, world, employers, weights, cities, scale, reference_date))

    posts = pd.concat([f for f in frames if len(f)], ignore_index=True)
    posts["post_id"] = ids("P", len(posts))
    posts["employer_id"] = employers["employer_id"].to_numpy(dtype=str)[
        posts["employer_position"].to_numpy(dtype=np.int64)
    ]
    occupations = world.occupations.set_index("code")
    physical = (
        occupations["physical"].reindex(posts["true_occupation"]).fillna(False).to_numpy(dtype=bool)
    )
    truth = pd.DataFrame(
        {
            "post_id": posts["post_id"].to_numpy(dtype=str),
            "true_occupation": posts["true_occupation"].to_numpy(dtype=str),
            "true_skills": posts["true_skills"].to_numpy(),
            "physical": physical,
            "job_quality": np.round(rng.normal(0.0, 1.0, len(posts)), 4),
        }
    )
    return PostDraw(employers=employers, posts=posts, truth=truth)


def _history_posts(
    rng: np.random.Generator,
    world: World,
    employers: pd.DataFrame,
    weights: np.ndarray,
    cities: list[str],
    scale: Scale,
    reference_date: date,
) -> pd.DataFrame:
    """Posts of 2007-2008, now ``filled`` or ``closed``, that historical referrals point to."""
    last = min(day(HISTORY_LAST_POSTED), day(reference_date) - np.timedelta64(31, "D"))
    window = (day(HISTORY_FIRST_DAY), last)
    shares = apportion(scale.history_posts, np.array([p for _, p in HISTORY_PROGRAMS]))
    frames: list[pd.DataFrame] = []
    for (program, _), n_posts in zip(HISTORY_PROGRAMS, shares, strict=True):
        if n_posts == 0:
            continue
        places = int(n_posts * 2.5)
        city, capacity = _split_by_city(rng, weights, cities, places, int(n_posts), 1.0)
        if program == "vacancy":
            frames.append(_vacancies(rng, world, employers, city, capacity, window))
        elif program == "welfare":
            frames.append(_welfare(rng, world, employers, city, capacity, window))
        elif program == "grassroots":
            frames.append(
                _grassroots(
                    rng, world, employers, weights, cities, places, window, assistants=False
                )
            )
        else:
            enterprises = employers[employers["kind"] == "enterprise"]
            hosts = rng.choice(
                enterprises["position"].to_numpy(dtype=np.int64), size=max(int(n_posts) // 2, 1)
            )
            frames.append(_internships(rng, world, employers, hosts, places, window))
    history = pd.concat(frames, ignore_index=True)
    history["status"] = np.where(
        rng.random(len(history)) < HISTORY_FILLED_SHARE, "filled", "closed"
    )
    return history
