"""Features of seeker–post pairs, computed in bulk from prepared per-side arrays.

Seekers and posts are prepared once (:func:`prepare_seekers`, :func:`prepare_posts`): titles
normalised and de-duplicated, skills turned into bit sets, codes into integers. Pair features are
then array operations on ``(seeker, post)`` index arrays. String scorers run once per distinct
``(desired title, post title)`` pair, never once per seeker–post pair: at province scale the
15 million candidate pairs share far fewer distinct title pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher import reference
from matcher.geo import district_distances
from matcher.schemas.tables import EDUCATION_LEVELS
from matcher.scoring.normalize import normalize_title, segment
from matcher.scoring.topk import char_ngram_vectorizer
from matcher.scoring.vocabulary import Vocabulary

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]

# The features, in the order the ranker sees them. One place: the ranker, the model card, the
# reasons and the candidates file all read this tuple.
FEATURE_NAMES: tuple[str, ...] = (
    "title_tfidf",  # cosine of TF-IDF char n-grams, best desired title vs post title (0-1)
    "title_ratio",  # rapidfuzz ratio (0-100)
    "title_partial",  # rapidfuzz partial_ratio: one title inside the other
    "title_token_set",  # rapidfuzz token_set_ratio on jieba-segmented words
    "type_partial",  # desired title vs the post's catalogue type / occupation name
    "occupation_depth",  # shared depth in CSCO: 4 same occupation … 1 same major group, 0 none
    "skills_matched",  # wanted skills the seeker has
    "skills_missing",  # wanted skills the seeker lacks (the training gap)
    "skill_share",  # matched / wanted (NaN when the post lists none)
    "major_match",  # seeker's major is one the post's catalogue names (NaN if none named)
    "education_gap",  # seeker's education rank minus the post's minimum
    "age",
    "age_margin",  # years inside the post's age range (negative: outside)
    "same_district",
    "distance_km",  # between district centres, 0 within a district
    "wage_ratio",  # post wage / reservation wage
    "area_match",  # urban hukou & community post, or rural hukou & township post
    "unemployed_months",
    "tier",  # the seeker's priority tier for the program (1 highest), NaN if none
    "female",
    "disabled",
    "post_major_group",  # CSCO major group of the post (1-8)
    "post_wage",
)

# Not a feature: the index (into ``PreparedSeekers.titles``) of the desired title that matched
# best, carried beside the features for the reasons; -1 when the seeker gave none.
BEST_TITLE = "best_title_id"

_SKILL_WORDS = 4  # 4 × 64 bits cover the skills vocabulary (about 200 skills)
_NO_CODE = -1


@dataclass(frozen=True)
class PreparedSeekers:
    """Per-seeker arrays used by pair features. Row ``i`` is the ``i``-th seeker given."""

    seeker_id: npt.NDArray[np.object_]
    city: npt.NDArray[np.object_]
    district: npt.NDArray[np.object_]
    age: FloatArray
    education_rank: FloatArray
    female: FloatArray
    disabled: FloatArray
    rural: FloatArray
    reservation_wage: FloatArray
    unemployed_months: FloatArray
    tier: FloatArray
    major: npt.NDArray[np.object_]
    skill_bits: npt.NDArray[np.uint64]
    skill_names: tuple[str, ...]
    unknown_skills: int
    # Desired titles: seeker i owns title rows title_start[i] : title_start[i + 1].
    title_start: IntArray
    title_id: IntArray  # into ``titles``
    titles: tuple[str, ...]  # distinct normalised desired titles
    title_code: IntArray  # CSCO code as an integer per distinct title, -1 unknown
    display_title: npt.NDArray[np.object_]  # first desired title as written, for reasons


@dataclass(frozen=True)
class PreparedPosts:
    """Per-post arrays used by pair features."""

    post_id: npt.NDArray[np.object_]
    city: npt.NDArray[np.object_]
    district: npt.NDArray[np.object_]
    title_id: IntArray  # into ``titles``
    titles: tuple[str, ...]
    display_title: npt.NDArray[np.object_]
    type_id: IntArray  # into ``type_texts``
    type_texts: tuple[str, ...]
    code: IntArray
    min_education_rank: FloatArray
    min_age: FloatArray
    max_age: FloatArray
    wage: FloatArray
    urban: FloatArray
    skill_bits: npt.NDArray[np.uint64]
    wanted_count: FloatArray
    majors: npt.NDArray[np.object_]  # frozenset of majors named by the post's catalogue type


def code_to_int(code: object) -> int:
    """``"4-07-01-02"`` → ``4070102``; anything else → -1."""
    if not isinstance(code, str):
        return _NO_CODE
    parts = code.strip().split("-")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return _NO_CODE
    major, middle, minor, detail = (int(p) for p in parts)
    return major * 1_000_000 + middle * 10_000 + minor * 100 + detail


def occupation_depth(left: IntArray, right: IntArray) -> FloatArray:
    """Shared depth of two code arrays in the classification tree; NaN where either is unknown."""
    depth = np.zeros(left.shape, dtype=np.float32)
    for level, divisor in ((1, 1_000_000), (2, 10_000), (3, 100), (4, 1)):
        depth[(left // divisor) == (right // divisor)] = level
    depth[(left < 0) | (right < 0)] = np.nan
    return depth


def _split(cell: object) -> list[str]:
    return reference.split_list(cell) if isinstance(cell, str) else []


class _SkillIndex:
    """Canonical skill → bit position; unknown skills are counted, not guessed."""

    def __init__(self) -> None:
        names = reference.skills()["skill"].tolist()
        self.names: tuple[str, ...] = tuple(names)
        self.position = {name: i for i, name in enumerate(names)}

    def bits(self, cells: pd.Series) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], int]:
        # Cells repeat (common skill sets), so each distinct cell is read once, into Python ints.
        per_cell: dict[str | None, tuple[tuple[int, ...], int, int]] = {}
        positions: dict[str, int | None] = {}
        rows: list[tuple[int, ...]] = []
        counts: list[int] = []
        unknown = 0
        for cell in cells.tolist():
            key = cell if isinstance(cell, str) else None
            found = per_cell.get(key)
            if found is None:
                words = [0] * _SKILL_WORDS
                count = missing = 0
                for item in _split(key):
                    if item not in positions:
                        canonical = reference.canonical_skill(item)
                        positions[item] = (
                            None if canonical is None else self.position.get(canonical)
                        )
                    position = positions[item]
                    if position is None or position >= 64 * _SKILL_WORDS:
                        missing += 1
                        continue
                    word, bit = divmod(position, 64)
                    if not words[word] >> bit & 1:
                        words[word] |= 1 << bit
                        count += 1
                found = per_cell[key] = (tuple(words), count, missing)
            rows.append(found[0])
            counts.append(found[1])
            unknown += found[2]
        bits = np.array(rows, dtype=np.uint64).reshape(len(rows), _SKILL_WORDS)
        return bits, np.array(counts, dtype=np.int64), unknown

    def names_of(self, bits: npt.NDArray[np.uint64]) -> list[str]:
        """Skill names set in one row of bits, in vocabulary order."""
        found = []
        for word in range(_SKILL_WORDS):
            value = int(bits[word])
            while value:
                low = value & -value
                found.append(self.names[word * 64 + low.bit_length() - 1])
                value ^= low
        return found


_skill_index: _SkillIndex | None = None


def skill_index() -> _SkillIndex:
    """The skills vocabulary as bit positions (built on first use)."""
    global _skill_index
    if _skill_index is None:
        _skill_index = _SkillIndex()
    return _skill_index


def _float(values: pd.Series) -> FloatArray:
    return pd.to_numeric(values, errors="coerce").astype("float32").to_numpy(na_value=np.nan)


def _flag(frame: pd.DataFrame, column: str) -> FloatArray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan, dtype=np.float32)
    return frame[column].astype("boolean").astype("float32").to_numpy(na_value=np.nan)


def _education_rank(values: pd.Series) -> FloatArray:
    ranks = {level: float(i) for i, level in enumerate(EDUCATION_LEVELS)}
    return values.map(ranks).astype("float32").to_numpy(na_value=np.nan)


def _age_on(birth: pd.Series, when: date) -> FloatArray:
    born = pd.to_datetime(birth, errors="coerce")
    years = when.year - born.dt.year
    before_birthday = (born.dt.month > when.month) | (
        (born.dt.month == when.month) & (born.dt.day > when.day)
    )
    return (years - before_birthday.astype("Int64")).astype("float32").to_numpy(na_value=np.nan)


def _months_since(start: pd.Series, when: date) -> FloatArray:
    started = pd.to_datetime(start, errors="coerce")
    months = (when.year - started.dt.year) * 12 + (when.month - started.dt.month)
    return months.astype("float32").fillna(0.0).to_numpy(na_value=0.0)


def tier_feature(tier: pd.Series | None, n_seekers: int) -> FloatArray:
    """The ``tier`` feature per seeker: the program's priority tier, NaN for none."""
    if tier is None:
        return np.full(n_seekers, np.nan, dtype=np.float32)
    values = pd.to_numeric(pd.Series(tier).reset_index(drop=True), errors="coerce")
    return values.astype("float32").to_numpy(na_value=np.nan)


def prepare_seekers(
    seekers: pd.DataFrame,
    reference_date: date,
    *,
    vocabulary: Vocabulary | None = None,
    tier: pd.Series | None = None,
) -> PreparedSeekers:
    """Prepare the seeker side once.

    Parameters
    ----------
    seekers : DataFrame
        A validated seekers table.
    reference_date : date
        Ages and unemployment durations are computed on this day.
    vocabulary : Vocabulary, optional
        Maps desired titles to occupation codes; the shipped CSCO vocabulary by default.
    tier : Series, optional
        Priority tier per seeker (aligned with ``seekers``), from the eligibility engine.
    """
    vocabulary = vocabulary or Vocabulary.occupations()
    owners: list[int] = []
    raw_titles: list[str] = []
    desired = [_split(cell) for cell in seekers["desired_titles"].tolist()]
    for row, items in enumerate(desired):
        for item in items:
            owners.append(row)
            raw_titles.append(item)
    normalized = pd.Series([normalize_title(t) for t in raw_titles], dtype="string")
    keep = (normalized != "").to_numpy()
    owner_array = np.asarray(owners, dtype=np.int64)[keep]
    codes, uniques = pd.factorize(normalized[keep], sort=True)
    titles = tuple(str(t) for t in uniques)
    mapping, _ = vocabulary.match(list(titles)) if titles else (pd.DataFrame({"code": []}), None)
    title_code = np.asarray([code_to_int(c) for c in mapping["code"].tolist()], dtype=np.int64)
    start = np.searchsorted(owner_array, np.arange(len(seekers) + 1)).astype(np.int64)
    display = np.asarray([(items or [""])[0] for items in desired], dtype=object)
    bits, _, unknown = skill_index().bits(seekers["skills"])
    tiers = tier_feature(tier, len(seekers))
    major = seekers["major"].astype("string").fillna("") if "major" in seekers else None
    return PreparedSeekers(
        seeker_id=seekers["seeker_id"].astype(str).to_numpy(dtype=object),
        city=seekers["city"].astype(str).to_numpy(dtype=object),
        district=seekers["district"].astype(str).to_numpy(dtype=object),
        age=_age_on(seekers["birth_date"], reference_date),
        education_rank=_education_rank(seekers["education"]),
        female=(seekers["sex"].astype(str) == "F").to_numpy().astype(np.float32),
        disabled=_flag(seekers, "disabled"),
        rural=(seekers["hukou"].astype(str) == "rural").to_numpy().astype(np.float32),
        reservation_wage=_float(seekers["reservation_wage"]),
        unemployed_months=_months_since(seekers["unemployed_since"], reference_date),
        tier=tiers,
        major=(
            np.full(len(seekers), "", dtype=object)
            if major is None
            else major.to_numpy(dtype=object)
        ),
        skill_bits=bits,
        skill_names=skill_index().names,
        unknown_skills=unknown,
        title_start=start,
        title_id=np.asarray(codes, dtype=np.int64),
        titles=titles,
        title_code=title_code,
        display_title=display,
    )


def _catalogue_types() -> dict[str, tuple[str, frozenset[str]]]:
    """post_type → (Chinese name, majors) from the welfare and grassroots catalogues."""
    types: dict[str, tuple[str, frozenset[str]]] = {}
    for table in (reference.welfare_post_types(), reference.grassroots_catalogue()):
        majors = table["majors"] if "majors" in table else pd.Series([""] * len(table))
        for post_type, name, cell in zip(
            table["post_type"].tolist(), table["name"].tolist(), majors.tolist(), strict=True
        ):
            types[str(post_type)] = (str(name), frozenset(_split(cell)))
    return types


def prepare_posts(posts: pd.DataFrame) -> PreparedPosts:
    """Prepare the post side once (posts, vacancies; see ``matcher.schemas`` ``posts``)."""
    normalized = pd.Series([normalize_title(t) for t in posts["title"].tolist()], dtype="string")
    title_codes, title_uniques = pd.factorize(normalized, sort=True)
    catalogue = _catalogue_types()
    occupation_names = dict(
        zip(
            reference.occupations()["code"].tolist(),
            reference.occupations()["name"].tolist(),
            strict=True,
        )
    )
    post_types = (
        posts["post_type"].astype("string").fillna("")
        if "post_type" in posts
        else pd.Series([""] * len(posts))
    )
    occupation = posts["occupation_code"].astype("string").fillna("")
    type_text = [
        normalize_title(catalogue[t][0] if t in catalogue else occupation_names.get(c, ""))
        for t, c in zip(post_types.tolist(), occupation.tolist(), strict=True)
    ]
    type_codes, type_uniques = pd.factorize(pd.Series(type_text, dtype="string"), sort=True)
    majors = np.empty(len(posts), dtype=object)
    majors[:] = [catalogue[t][1] if t in catalogue else frozenset() for t in post_types.tolist()]
    bits, counts, _ = skill_index().bits(posts["wanted_skills"])
    return PreparedPosts(
        post_id=posts["post_id"].astype(str).to_numpy(dtype=object),
        city=posts["city"].astype(str).to_numpy(dtype=object),
        district=posts["district"].astype(str).to_numpy(dtype=object),
        title_id=np.asarray(title_codes, dtype=np.int64),
        titles=tuple(str(t) for t in title_uniques),
        display_title=posts["title"].astype(str).to_numpy(dtype=object),
        type_id=np.asarray(type_codes, dtype=np.int64),
        type_texts=tuple(str(t) for t in type_uniques),
        code=np.asarray([code_to_int(c) for c in occupation.tolist()], dtype=np.int64),
        min_education_rank=_education_rank(posts["min_education"]),
        min_age=_float(posts["min_age"]),
        max_age=_float(posts["max_age"]),
        wage=_float(posts["wage"]),
        urban=(posts["area"].astype(str) == "urban_community").to_numpy().astype(np.float32),
        skill_bits=bits,
        wanted_count=counts.astype(np.float32),
        majors=majors,
    )


class TitleScorer:
    """String similarities between distinct desired titles and distinct post titles / types.

    Holds the TF-IDF space fitted on both sides so cosines are comparable across calls.
    """

    def __init__(self, seekers: PreparedSeekers, posts: PreparedPosts) -> None:
        self.seekers = seekers
        self.posts = posts
        vectorizer: TfidfVectorizer = char_ngram_vectorizer()
        corpus = [*seekers.titles, *posts.titles, *posts.type_texts]
        fitted = vectorizer.fit(corpus or [""]) if any(corpus) else None
        empty = sp.csr_matrix((0, 1), dtype=np.float32)
        self.seeker_matrix = fitted.transform(seekers.titles) if fitted else empty
        self.post_matrix = fitted.transform(posts.titles) if fitted else empty
        self.vectorizer = fitted
        self.seeker_segmented = [segment(t) for t in seekers.titles]
        self.post_segmented = [segment(t) for t in posts.titles]

    def pair_scores(
        self, seeker_title: IntArray, post_title: IntArray, post_type: IntArray
    ) -> dict[str, FloatArray]:
        """Scores of title pairs given as index arrays (computed once per distinct pair)."""
        scores: dict[str, FloatArray] = {}
        left, right, inverse = distinct_pairs(seeker_title, post_title)
        a = [self.seekers.titles[i] for i in left.tolist()]
        b = [self.posts.titles[i] for i in right.tolist()]
        cosine = np.asarray(
            self.seeker_matrix[left].multiply(self.post_matrix[right]).sum(axis=1), dtype=np.float32
        ).ravel()
        scores["title_tfidf"] = cosine[inverse]
        for name, scorer, seg in (
            ("title_ratio", fuzz.ratio, False),
            ("title_partial", fuzz.partial_ratio, False),
            ("title_token_set", fuzz.token_set_ratio, True),
        ):
            queries = [self.seeker_segmented[i] for i in left.tolist()] if seg else a
            choices = [self.post_segmented[i] for i in right.tolist()] if seg else b
            values = process.cpdist(queries, choices, scorer=scorer, workers=-1, dtype=np.float32)
            scores[name] = np.asarray(values, dtype=np.float32)[inverse]
        type_left, type_right, type_inverse = distinct_pairs(seeker_title, post_type)
        queries = [self.seekers.titles[i] for i in type_left.tolist()]
        choices = [self.posts.type_texts[i] for i in type_right.tolist()]
        values = process.cpdist(
            queries, choices, scorer=fuzz.partial_ratio, workers=-1, dtype=np.float32
        )
        scores["type_partial"] = np.asarray(values, dtype=np.float32)[type_inverse]
        return scores


# Above this many cells the distinct-pair table would cost more memory than sorting the keys.
_PAIR_TABLE_CELLS = 16_000_000


def _dense_ids(values: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct values (sorted) and each value's position among them, in O(n + max)."""
    present = np.zeros(int(values.max()) + 1 if values.size else 0, dtype=bool)
    present[values] = True
    local = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64), local[values]


def distinct_pairs(left: IntArray, right: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Distinct ``(left[i], right[i])`` pairs, sorted, and the inverse: pair ``i`` is
    ``(distinct_left[inverse[i]], distinct_right[inverse[i]])``.

    Same result as ``np.unique`` on a combined key, but without sorting millions of keys: the
    pairs are marked in a dense table over the distinct values on each side, which is small
    within a city block (thousands of desired titles × hundreds of post titles).
    """
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    if left.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    left_ids, left_local = _dense_ids(left)
    right_ids, right_local = _dense_ids(right)
    width = right_ids.size
    key = left_local * width + right_local
    cells = left_ids.size * width
    if cells > _PAIR_TABLE_CELLS:
        unique_key, inverse = np.unique(key, return_inverse=True)
    else:
        seen = np.zeros(cells, dtype=bool)
        seen[key] = True
        unique_key = np.flatnonzero(seen)
        slot = np.zeros(cells, dtype=np.int64)
        slot[unique_key] = np.arange(unique_key.size)
        inverse = slot[key]
    return left_ids[unique_key // width], right_ids[unique_key % width], inverse.ravel()


def _major_match(
    seekers: PreparedSeekers, posts: PreparedPosts, seeker_index: IntArray, post_index: IntArray
) -> FloatArray:
    """1 if the seeker's major is one the post's catalogue names, 0 if not, NaN if none named.

    A posts × majors membership table, gathered per pair (no Python loop over pairs).
    """
    named = sorted({major for majors in posts.majors.tolist() for major in majors})
    table = np.full((len(posts.majors), len(named) + 1), np.nan, dtype=np.float32)
    column = {major: i for i, major in enumerate(named)}
    for row, majors in enumerate(posts.majors.tolist()):
        if majors:
            table[row, :] = 0.0
            table[row, [column[m] for m in majors]] = 1.0
    # Majors no post names (and the empty major) map to the last column: never a match.
    major_id = pd.Index(named, dtype=object).get_indexer(
        pd.Index(seekers.major[seeker_index], dtype=object)
    )
    major_id[major_id < 0] = len(named)
    return table[post_index, major_id]


def _distance_table(
    seekers: PreparedSeekers, posts: PreparedPosts, seeker_index: IntArray, post_index: IntArray
) -> FloatArray:
    """Great-circle km between the pair's district centres (NaN for unknown districts), from a
    districts × districts table rather than one haversine per pair."""
    district_codes, km = district_distances()
    codes = pd.Index(district_codes, dtype=object)
    s_pos = codes.get_indexer(pd.Index(seekers.district[seeker_index], dtype=object))
    p_pos = codes.get_indexer(pd.Index(posts.district[post_index], dtype=object))
    n = len(codes)
    table = np.full((n + 1, n + 1), np.nan, dtype=np.float32)
    table[:n, :n] = km
    # Unknown districts (-1) index the extra NaN row / column.
    s_pos[s_pos < 0] = n
    p_pos[p_pos < 0] = n
    return table[s_pos, p_pos]


def pair_features(
    seekers: PreparedSeekers,
    posts: PreparedPosts,
    seeker_index: IntArray,
    post_index: IntArray,
    *,
    title_scorer: TitleScorer | None = None,
) -> pd.DataFrame:
    """The :data:`FEATURE_NAMES` columns (and :data:`BEST_TITLE`) for each pair
    ``(seeker_index[i], post_index[i])``.

    Title features are the best over the seeker's desired titles (NaN when the seeker gave
    none). Deterministic: the same inputs give the same values.
    """
    seeker_index = np.asarray(seeker_index, dtype=np.int64)
    post_index = np.asarray(post_index, dtype=np.int64)
    n_pairs = seeker_index.shape[0]
    scorer = title_scorer or TitleScorer(seekers, posts)
    columns: dict[str, FloatArray] = {}

    # Expand each pair into one row per desired title of its seeker.
    counts = seekers.title_start[seeker_index + 1] - seekers.title_start[seeker_index]
    pair_of_row = np.repeat(np.arange(n_pairs), counts)
    offset = np.arange(pair_of_row.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    title_row = seekers.title_start[seeker_index][pair_of_row] + offset
    seeker_title = seekers.title_id[title_row]
    post_of_row = post_index[pair_of_row]
    row_scores = scorer.pair_scores(
        seeker_title, posts.title_id[post_of_row], posts.type_id[post_of_row]
    )
    row_scores["occupation_depth"] = occupation_depth(
        seekers.title_code[seeker_title], posts.code[post_of_row]
    )
    has_titles = counts > 0
    first_row = (np.cumsum(counts) - counts)[has_titles]
    for name, values in row_scores.items():
        column = np.full(n_pairs, np.nan, dtype=np.float32)
        if values.size:
            # fmax ignores NaN (unknown codes) unless all of a seeker's titles are unknown.
            column[has_titles] = np.fmax.reduceat(values, first_row)
        columns[name] = column
    # Which desired title matched best (by edit similarity), to name it in the reasons.
    best_title = np.full(n_pairs, -1, dtype=np.int64)
    if pair_of_row.size:
        ratio = row_scores["title_ratio"]
        is_best = ratio >= columns["title_ratio"][pair_of_row]
        candidate = np.where(is_best, np.arange(pair_of_row.size), np.iinfo(np.int64).max)
        best_row = np.minimum.reduceat(candidate, first_row)
        best_title[has_titles] = seeker_title[best_row]

    seeker_bits = seekers.skill_bits[seeker_index]
    post_bits = posts.skill_bits[post_index]
    matched = np.bitwise_count(seeker_bits & post_bits).sum(axis=1).astype(np.float32)
    wanted = posts.wanted_count[post_index]
    columns["skills_matched"] = matched
    columns["skills_missing"] = wanted - matched
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["skill_share"] = np.where(wanted > 0, matched / wanted, np.nan).astype(np.float32)
    columns["major_match"] = _major_match(seekers, posts, seeker_index, post_index)
    columns["education_gap"] = (
        seekers.education_rank[seeker_index] - posts.min_education_rank[post_index]
    )
    age = seekers.age[seeker_index]
    columns["age"] = age
    low = np.where(np.isnan(posts.min_age[post_index]), 16, posts.min_age[post_index])
    high = np.where(np.isnan(posts.max_age[post_index]), 70, posts.max_age[post_index])
    columns["age_margin"] = np.minimum(age - low, high - age).astype(np.float32)
    same = seekers.district[seeker_index] == posts.district[post_index]
    columns["same_district"] = same.astype(np.float32)
    distance = _distance_table(seekers, posts, seeker_index, post_index)
    distance[same] = 0.0
    columns["distance_km"] = distance
    reservation = seekers.reservation_wage[seeker_index]
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["wage_ratio"] = np.where(
            reservation > 0, posts.wage[post_index] / reservation, np.nan
        ).astype(np.float32)
    rural = seekers.rural[seeker_index]
    urban_post = posts.urban[post_index]
    columns["area_match"] = (rural != urban_post).astype(np.float32)
    columns["unemployed_months"] = seekers.unemployed_months[seeker_index]
    columns["tier"] = seekers.tier[seeker_index]
    columns["female"] = seekers.female[seeker_index]
    columns["disabled"] = seekers.disabled[seeker_index]
    major_group = (posts.code // 1_000_000).astype(np.float32)
    major_group[posts.code < 0] = np.nan
    columns["post_major_group"] = major_group[post_index]
    columns["post_wage"] = posts.wage[post_index]
    # copy=False: the columns are fresh arrays; consolidating them into one block would copy
    # every feature of millions of pairs once more.
    frame = pd.DataFrame(
        {**{name: columns[name] for name in FEATURE_NAMES}, BEST_TITLE: best_title}, copy=False
    )
    return frame
