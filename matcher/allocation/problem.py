"""The allocation problem: validated input tables plus their dense integer encoding.

The problem object is separate from the algorithms (as in daffidwilde/matching): it is built once,
validated with every problem reported at once (one collector, :class:`_Problems`, for the input
tables and the reserves), and then read by the pure solver functions in
:mod:`matcher.allocation.flow`, :mod:`matcher.allocation.lexicographic`,
:mod:`matcher.allocation.groups` and :mod:`matcher.allocation.mechanisms`. Ids are encoded to
dense ``int`` indices once, with numpy, so the solvers build their networks from arrays instead
of looping over strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher.errors import DataValidationError, MatcherError, Problem

# Column names live in matcher.schemas.columns; the allocation modules import them from here.
from matcher.schemas.columns import (
    CAP,
    CAPACITY,
    CITY,
    FAMILY_ID,
    FLOOR,
    GROUP,
    LOTTERY,
    POST_ID,
    SCORE,
    SEEKER_ID,
    TIER,
    ZERO_EMPLOYMENT,
)

#: Scores are scaled by this factor to integers: 6 decimals are represented exactly.
SCORE_SCALE = 10**6
# The columns of ``matcher quotas --out`` that a city-caps file may be given as.
QUOTA_REGION, QUOTA = "region", "quota"
#: Tier given to every seeker when the seekers table has no ``tier`` column.
DEFAULT_TIER = 1
# At most this many problems are listed per (file, column, rule); the rest are summarised, so a
# broken 15-million-row candidate table gives a readable message instead of millions of lines.
_MAX_PROBLEMS_PER_RULE = 50

_RESERVED_SEEKER_COLUMNS = {SEEKER_ID, TIER, LOTTERY, FAMILY_ID}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


ReserveOrder = Literal["reserved_first", "reserved_last"]


@dataclass(frozen=True)
class InputNames:
    """File names used in validation messages (the CLI passes the paths it read)."""

    seekers: str = "seekers"
    posts: str = "posts"
    candidates: str = "candidates"
    city_caps: str = "city_caps"
    tier_floors: str = "tier_floors"
    group_floors: str = "group_floors"


@dataclass(frozen=True, eq=False)
class AllocationProblem:
    """A validated allocation instance.

    The frames keep the user's ids and columns; the arrays are the dense encoding the solvers use.
    Seeker ``i`` is ``seekers.iloc[i]``, post ``j`` is ``posts.iloc[j]``, candidate arc ``k`` is
    ``candidates.iloc[k]``.

    Attributes
    ----------
    seekers, posts, candidates : pandas.DataFrame
        Normalised copies: ``tier`` is an integer (1 when absent), ``lottery`` a float (the seeker's
        position when absent), ``zero_employment`` a bool, ``capacity`` an integer, ``city`` a
        string ('' when absent), ``score`` a float.
    city_caps : pandas.Series
        Integer cap per city (index: city); empty when no caps apply.
    tier_floors : pandas.Series
        Minimum placements per tier (index: tier); empty when none.
    group_floors : pandas.Series
        Minimum placements per boolean group column of ``seekers`` (index: column name).
    family_guarantee : bool
        Whether the zero-employment family guarantee (三十九) applies.
    one_per_family : bool
        Whether at most one member per family may be placed.
    """

    seekers: pd.DataFrame
    posts: pd.DataFrame
    candidates: pd.DataFrame
    city_caps: pd.Series
    tier_floors: pd.Series
    group_floors: pd.Series
    family_guarantee: bool = False
    one_per_family: bool = False
    # Dense encoding, filled by build_problem.
    cand_seeker: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    cand_post: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    cand_score: FloatArray = field(default_factory=lambda: np.empty(0, np.float64))
    cand_score_scaled: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    seeker_tier: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    post_capacity: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    post_city: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    city_names: list[str] = field(default_factory=list)
    city_cap: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    seeker_family: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    family_names: list[str] = field(default_factory=list)
    family_zero: BoolArray = field(default_factory=lambda: np.empty(0, np.bool_))

    @property
    def n_seekers(self) -> int:
        return len(self.seekers)

    @property
    def n_posts(self) -> int:
        return len(self.posts)

    @property
    def n_candidates(self) -> int:
        return len(self.candidates)

    @cached_property
    def seekers_with_candidates(self) -> IntArray:
        """Seeker codes holding at least one candidate pair, ascending."""
        return np.flatnonzero(np.bincount(self.cand_seeker, minlength=self.n_seekers) > 0)

    @property
    def tiers(self) -> list[int]:
        """Distinct tiers present, highest priority (smallest number) first."""
        return sorted({int(t) for t in np.unique(self.seeker_tier)})

    def guaranteed_families(self) -> IntArray:
        """Family codes the guarantee (三十九) covers: zero-employment families with at least one
        member who has a candidate post (empty when the guarantee is off)."""
        if not self.family_guarantee or not self.family_names:
            return np.empty(0, np.int64)
        families_with_candidates = np.unique(self.seeker_family[self.seekers_with_candidates])
        families_with_candidates = families_with_candidates[families_with_candidates >= 0]
        return families_with_candidates[self.family_zero[families_with_candidates]]

    def group_mask(self, group: str) -> BoolArray:
        """Boolean membership of every seeker in a group column."""
        return self.seekers[group].to_numpy(dtype=bool)

    def _priority_sorted(self, use_tier: bool) -> pd.DataFrame:
        keys = [LOTTERY, SEEKER_ID]
        if use_tier:
            keys.insert(0, TIER)
        # Only the key columns are sorted: the rest of a province's seekers table stays put.
        return self.seekers[keys].sort_values(keys, kind="stable")

    def priority_rank(self, *, use_tier: bool = True) -> pd.Series:
        """Integer rank per seeker id (0 goes first) by (tier, lottery, seeker id), or by
        (lottery, seeker id) when ``use_tier`` is false."""
        ordered = self._priority_sorted(use_tier)[SEEKER_ID]
        return pd.Series(np.arange(len(ordered), dtype=np.int64), index=pd.Index(ordered))

    def priority_order(self, *, use_tier: bool = True) -> IntArray:
        """:meth:`priority_rank` by seeker code: a strict rank, 0 goes first."""
        rank = np.empty(self.n_seekers, dtype=np.int64)
        # The seekers table has a RangeIndex, so its sorted index lists the seeker codes.
        rank[self._priority_sorted(use_tier).index.to_numpy()] = np.arange(self.n_seekers)
        return rank

    @cached_property
    def post_id_rank(self) -> IntArray:
        """Rank of every post (by code) in ``post_id`` order: score ties go to the lower id."""
        rank = np.empty(self.n_posts, dtype=np.int64)
        rank[np.argsort(self.posts[POST_ID].to_numpy(), kind="stable")] = np.arange(self.n_posts)
        return rank


def items(series: pd.Series) -> list[tuple[Any, int]]:
    """(key, integer value) pairs of a caps or floors Series."""
    return list(zip(series.index, (int(v) for v in series.to_numpy()), strict=True))


@dataclass(frozen=True, eq=False)
class ReserveSpec:
    """Places of each post reserved for a group, and the order in which they are filled.

    Parameters
    ----------
    group : pd.Series
        Boolean, indexed by ``seeker_id``: True for members of the group the places are reserved
        for (e.g. members of zero-employment families). Seekers not in the index are not members.
    reserved : pd.Series
        Integer, indexed by ``post_id``: how many of the post's places are reserved, between 0 and
        the post's capacity. Posts not in the index reserve nothing.
    order : {"reserved_first", "reserved_last"}
        How a post chooses among its applicants (each side by the common priority):

        - ``reserved_first``: fill the reserved places with the best group members, then the
          open places with the best of everyone remaining;
        - ``reserved_last``: fill the open places with the best of everyone, then the reserved
          places with the best remaining group members.

        Either way, reserved places that group members do not fill revert to open places and go
        to the best remaining applicants (minority reserves, not quotas: no place is left empty
        for want of a member). The two orders differ in who gets in: with ``reserved_last`` a
        member good enough for an open place takes one, leaving the reserved places to further
        members, so at a given post it admits at least as many members as ``reserved_first``,
        in which high-priority members use up the reserved places themselves (Dur, Kominers,
        Pathak and Sönmez, "Reserve design", 2018). Example: 2 places, 1 reserved, priority
        member m1 > non-member n1 > member m2: ``reserved_first`` admits m1 and n1,
        ``reserved_last`` admits m1 and m2.
    """

    group: pd.Series
    reserved: pd.Series
    order: ReserveOrder = "reserved_first"

    def __post_init__(self) -> None:
        if self.order not in get_args(ReserveOrder):
            raise MatcherError(
                f"The 'order' parameter of ReserveSpec must be one of {get_args(ReserveOrder)}. "
                f"Got {self.order!r} instead."
            )


@dataclass(frozen=True)
class ReservedPlaces:
    """A :class:`ReserveSpec` on a problem's encoding: ``member`` per seeker code, ``reserved``
    places per post code, and whether reserved places are filled first."""

    member: BoolArray
    reserved: IntArray
    reserved_first: bool


def encode_reserves(
    problem: AllocationProblem, reserves: ReserveSpec, *, file: str = "reserves"
) -> ReservedPlaces:
    """Validate a :class:`ReserveSpec` against a problem and encode it onto its arrays.

    Ids the problem does not know are ignored (they reserve nothing / are nobody).

    Raises
    ------
    DataValidationError
        Duplicate ids, a reserve that is not a whole number >= 0 or exceeds the post's capacity,
        or a membership that is not true/false (a missing value must not count as a member).
    """
    problems = _Problems()
    group = pd.DataFrame({SEEKER_ID: reserves.group.index, "group": reserves.group.to_numpy()})
    places = pd.DataFrame(
        {POST_ID: reserves.reserved.index, "reserved": reserves.reserved.to_numpy()}
    )
    problems.add_rows(
        file, group, group[SEEKER_ID].duplicated().to_numpy(), SEEKER_ID, "duplicate id"
    )
    problems.add_rows(
        file, places, places[POST_ID].duplicated().to_numpy(), POST_ID, "duplicate id"
    )
    amounts = _numbers(problems, file, places, "reserved", integer=True, minimum=0)
    yes_or_no = group["group"].isin([True, False]).to_numpy(dtype=bool)
    problems.add_rows(file, group, ~yes_or_no, "group", "must be true/false or 1/0")
    problems.raise_if_any()

    member = np.zeros(problem.n_seekers, dtype=bool)
    seeker_code = pd.Index(problem.seekers[SEEKER_ID]).get_indexer(group[SEEKER_ID])
    known = seeker_code >= 0
    member[seeker_code[known]] = group["group"].to_numpy(dtype=bool)[known]
    reserved = np.zeros(problem.n_posts, dtype=np.int64)
    post_code = pd.Index(problem.posts[POST_ID]).get_indexer(places[POST_ID])
    known = post_code >= 0
    reserved[post_code[known]] = amounts.to_numpy(dtype=np.int64)[known]
    too_many = np.zeros(len(places), dtype=bool)
    too_many[known] = reserved[post_code[known]] > problem.post_capacity[post_code[known]]
    problems.add_rows(file, places, too_many, "reserved", "reserves more places than the post has")
    problems.raise_if_any()
    return ReservedPlaces(member, reserved, reserves.order == "reserved_first")


class _Problems:
    """Collects problems, listing at most ``_MAX_PROBLEMS_PER_RULE`` rows per rule."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, value: object, rule: str) -> None:
        self.items.append(Problem(file, row, column, None if value is None else str(value), rule))

    def add_rows(
        self, file: str, frame: pd.DataFrame, bad: npt.NDArray[np.bool_], column: str, rule: str
    ) -> None:
        """One problem per bad row (spreadsheet numbering: header is row 1)."""
        positions = np.flatnonzero(bad)
        if len(positions) == 0:
            return
        listed = positions[:_MAX_PROBLEMS_PER_RULE]
        # Only the listed cells are converted: a 15-million-row column is never copied here.
        values = frame[column].iloc[listed].tolist() if column in frame else [None] * len(listed)
        for position, value in zip(listed, values, strict=True):
            self.add(file, int(position) + 2, column, value, rule)
        if len(positions) > _MAX_PROBLEMS_PER_RULE:
            self.add(
                file,
                None,
                column,
                None,
                f"{rule}: {len(positions) - _MAX_PROBLEMS_PER_RULE} more rows not listed",
            )

    def raise_if_any(self) -> None:
        if self.items:
            raise DataValidationError(self.items)


def _missing_columns(
    problems: _Problems, file: str, frame: pd.DataFrame, needed: list[str]
) -> bool:
    missing = [column for column in needed if column not in frame.columns]
    for column in missing:
        problems.add(file, None, column, None, "required column is missing")
    return bool(missing)


def _ids(problems: _Problems, file: str, frame: pd.DataFrame, column: str) -> None:
    """Ids must be present and unique."""
    ids = frame[column]
    empty = ids.isna().to_numpy() | (ids.astype(str).str.strip() == "").to_numpy()
    problems.add_rows(file, frame, empty, column, "id is empty")
    duplicated = ids.duplicated(keep="first").to_numpy() & ~empty
    problems.add_rows(file, frame, duplicated, column, "duplicate id")


def _numbers(
    problems: _Problems,
    file: str,
    frame: pd.DataFrame,
    column: str,
    *,
    integer: bool,
    minimum: float | None,
) -> pd.Series:
    """Parse a numeric column, recording non-numbers, non-integers and values below ``minimum``."""
    raw = frame[column]
    if raw.dtype.kind in "iu":
        # Integer columns cannot hold bad values; skip the parse (it matters at 15 million rows).
        values = raw.astype("float64")
    elif raw.dtype.kind == "f":
        values = raw
    else:
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
    array = values.to_numpy(dtype=np.float64, na_value=np.nan)
    not_number = ~np.isfinite(array)
    problems.add_rows(file, frame, not_number, column, "not a finite number")
    ok = ~not_number
    if integer:
        fractional = ok & (np.floor(np.where(ok, array, 0.0)) != np.where(ok, array, 0.0))
        problems.add_rows(file, frame, fractional, column, "not a whole number")
    if minimum is not None:
        below = ok & (np.where(ok, array, minimum) < minimum)
        problems.add_rows(file, frame, below, column, f"must be at least {minimum:g}")
    return values


# Spellings of a 0/1 flag column (text after strip and lower-casing).
_YES = ("1", "true", "yes", "1.0")
_NO = ("0", "false", "no", "0.0", "", "nan", "<na>")


def _flag_text(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip().str.lower()


def truthy(series: pd.Series) -> BoolArray:
    """Which values of a 0/1 (true/false, yes/no) column mean yes; anything else means no."""
    return _flag_text(series).isin(_YES).to_numpy()


def _as_bool(
    problems: _Problems, file: str, frame: pd.DataFrame, column: str
) -> npt.NDArray[np.bool_]:
    """0/1 (or true/false) column as bools; anything else is a problem."""
    text = _flag_text(frame[column])
    yes = text.isin(_YES).to_numpy()
    no = text.isin(_NO).to_numpy()
    problems.add_rows(file, frame, ~(yes | no), column, "must be 0 or 1")
    return yes


def _to_text(series: pd.Series) -> pd.Series:
    """Ids of cities and families as clean strings ('' for missing)."""
    return series.astype("string").fillna("").str.strip().astype(str)


def build_problem(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    city_caps: pd.DataFrame | Mapping[str, int] | None = None,
    tier_floors: pd.DataFrame | Mapping[int, int] | None = None,
    group_floors: pd.DataFrame | Mapping[str, int] | None = None,
    family_guarantee: bool = False,
    one_per_family: bool = False,
    names: InputNames | None = None,
) -> AllocationProblem:
    """Validate the input tables and encode them into an :class:`AllocationProblem`.

    Parameters
    ----------
    seekers : pandas.DataFrame
        ``seeker_id``; optional ``tier`` (integer, 1 = highest priority), ``lottery`` (number,
        lower goes first), ``family_id``, ``zero_employment`` (0/1) and boolean group columns.
    posts : pandas.DataFrame
        ``post_id``, ``capacity``; optional ``city``.
    candidates : pandas.DataFrame
        ``seeker_id``, ``post_id``, ``score`` (higher is better); the eligible pairs.
    city_caps : DataFrame with ``city``, ``cap`` or a mapping city -> cap, optional
    tier_floors : DataFrame with ``tier``, ``floor`` or a mapping tier -> floor, optional
    group_floors : DataFrame with ``group``, ``floor`` or a mapping column -> floor, optional
        Each group is a boolean column of ``seekers``; groups may overlap.
    family_guarantee : bool
        Apply the zero-employment family guarantee of (三十九); needs ``family_id`` and
        ``zero_employment``.
    one_per_family : bool
        Place at most one member per family; needs ``family_id``.
    names : InputNames, optional
        File names to use in validation messages.

    Returns
    -------
    AllocationProblem

    Raises
    ------
    DataValidationError
        Listing every problem found in every table.
    """
    names = names or InputNames()
    problems = _Problems()

    seekers = seekers.reset_index(drop=True)
    posts = posts.reset_index(drop=True)
    candidates = candidates.reset_index(drop=True)

    bad_seekers = _missing_columns(problems, names.seekers, seekers, [SEEKER_ID])
    bad_posts = _missing_columns(problems, names.posts, posts, [POST_ID, CAPACITY])
    bad_candidates = _missing_columns(
        problems, names.candidates, candidates, [SEEKER_ID, POST_ID, SCORE]
    )
    if family_guarantee:
        _missing_columns(problems, names.seekers, seekers, [FAMILY_ID, ZERO_EMPLOYMENT])
    if one_per_family:
        _missing_columns(problems, names.seekers, seekers, [FAMILY_ID])
    if bad_seekers or bad_posts or bad_candidates:
        # Without the key columns nothing further can be checked meaningfully.
        problems.raise_if_any()

    # --- seekers -------------------------------------------------------------------------------
    _ids(problems, names.seekers, seekers, SEEKER_ID)
    n_seekers = len(seekers)
    seeker_table = pd.DataFrame({SEEKER_ID: seekers[SEEKER_ID]})
    if TIER in seekers:
        tier = _numbers(problems, names.seekers, seekers, TIER, integer=True, minimum=1)
        seeker_table[TIER] = tier.fillna(DEFAULT_TIER).astype(np.int64)
    else:
        seeker_table[TIER] = np.full(n_seekers, DEFAULT_TIER, dtype=np.int64)
    if LOTTERY in seekers:
        lottery = _numbers(problems, names.seekers, seekers, LOTTERY, integer=False, minimum=None)
        seeker_table[LOTTERY] = lottery.fillna(0.0)
    else:
        # Absent lottery means "by seeker id": equal lottery numbers fall back to the id.
        seeker_table[LOTTERY] = np.zeros(n_seekers, dtype=np.float64)
    if FAMILY_ID in seekers:
        seeker_table[FAMILY_ID] = _to_text(seekers[FAMILY_ID])
    if ZERO_EMPLOYMENT in seekers:
        seeker_table[ZERO_EMPLOYMENT] = _as_bool(problems, names.seekers, seekers, ZERO_EMPLOYMENT)
    elif FAMILY_ID in seekers:
        seeker_table[ZERO_EMPLOYMENT] = np.zeros(n_seekers, dtype=bool)

    # --- group floors (need the seekers' columns) ----------------------------------------------
    group_floor_series = _floor_table(
        problems, names.group_floors, group_floors, key=GROUP, key_is_int=False
    )
    for group in group_floor_series.index:
        if group not in seekers.columns or group in _RESERVED_SEEKER_COLUMNS:
            problems.add(
                names.group_floors,
                None,
                GROUP,
                group,
                "group floor names no boolean group column of the seekers table",
            )
        elif group != ZERO_EMPLOYMENT:
            seeker_table[group] = _as_bool(problems, names.seekers, seekers, group)
    # Keep the remaining group columns so reasons and the reserves can use them.
    for column in seekers.columns:
        if column not in seeker_table.columns:
            seeker_table[column] = seekers[column]

    # --- posts ---------------------------------------------------------------------------------
    _ids(problems, names.posts, posts, POST_ID)
    capacity = _numbers(problems, names.posts, posts, CAPACITY, integer=True, minimum=0)
    post_table = pd.DataFrame(
        {
            POST_ID: posts[POST_ID],
            CAPACITY: capacity.fillna(0).clip(lower=0).astype(np.int64),
            CITY: _to_text(posts[CITY]) if CITY in posts else "",
        }
    )

    # --- candidates ----------------------------------------------------------------------------
    scores = _numbers(problems, names.candidates, candidates, SCORE, integer=False, minimum=None)
    seeker_index = pd.Index(seekers[SEEKER_ID])
    post_index = pd.Index(posts[POST_ID])
    if not seeker_index.is_unique:
        seeker_index = seeker_index.drop_duplicates()
    if not post_index.is_unique:
        post_index = post_index.drop_duplicates()
    cand_seeker = seeker_index.get_indexer(candidates[SEEKER_ID]).astype(np.int64)
    cand_post = post_index.get_indexer(candidates[POST_ID]).astype(np.int64)
    problems.add_rows(
        names.candidates, candidates, cand_seeker < 0, SEEKER_ID, "unknown seeker (not in seekers)"
    )
    problems.add_rows(
        names.candidates, candidates, cand_post < 0, POST_ID, "unknown post (not in posts)"
    )
    duplicate_pair = _duplicate_pairs(cand_seeker, cand_post, len(post_index))
    problems.add_rows(
        names.candidates, candidates, duplicate_pair, POST_ID, "duplicate (seeker_id, post_id) pair"
    )

    # --- caps and floors -----------------------------------------------------------------------
    city_cap_series = _floor_table(
        problems, names.city_caps, city_caps, key=CITY, key_is_int=False, value=CAP
    )
    tier_floor_series = _floor_table(
        problems, names.tier_floors, tier_floors, key=TIER, key_is_int=True
    )
    problems.raise_if_any()

    # --- encoding ------------------------------------------------------------------------------
    score_array = scores.to_numpy(dtype=np.float64)
    scaled = np.rint(score_array * SCORE_SCALE)
    if len(scaled) and np.abs(scaled).max() >= 2**53:
        raise DataValidationError(
            [
                Problem(
                    names.candidates,
                    None,
                    SCORE,
                    f"{np.abs(score_array).max():g}",
                    "scores too large to scale to integers exactly (|score| must be < 9e9)",
                )
            ]
        )
    city_values = post_table[CITY].to_numpy(dtype=object)
    city_names = sorted({str(c) for c in city_values} | {str(c) for c in city_cap_series.index})
    city_code = {name: code for code, name in enumerate(city_names)}
    post_city = np.fromiter((city_code[str(c)] for c in city_values), np.int64, len(city_values))
    city_cap = np.full(len(city_names), -1, dtype=np.int64)
    for name, cap in city_cap_series.items():
        city_cap[city_code[str(name)]] = int(cap)

    if FAMILY_ID in seeker_table:
        family_text = seeker_table[FAMILY_ID]
        codes, uniques = pd.factorize(family_text.where(family_text != "", None), sort=True)
        seeker_family = codes.astype(np.int64)
        family_names = [str(u) for u in uniques]
        zero = seeker_table[ZERO_EMPLOYMENT].to_numpy(dtype=bool)
        # A family counts as zero-employment when any member's row says so (rows should agree).
        family_zero = np.zeros(len(family_names), dtype=bool)
        member = seeker_family >= 0
        np.logical_or.at(family_zero, seeker_family[member], zero[member])
    else:
        seeker_family = np.full(n_seekers, -1, dtype=np.int64)
        family_names = []
        family_zero = np.empty(0, np.bool_)

    # Column selection is a lazy copy under copy-on-write: no 15-million-row copy unless the
    # scores had to be parsed.
    candidate_table = candidates[[SEEKER_ID, POST_ID, SCORE]]
    if candidate_table[SCORE].dtype != np.float64:
        candidate_table = candidate_table.assign(**{SCORE: scores})
    return AllocationProblem(
        seekers=seeker_table,
        posts=post_table,
        candidates=candidate_table,
        city_caps=city_cap_series,
        tier_floors=tier_floor_series,
        group_floors=group_floor_series,
        family_guarantee=family_guarantee,
        one_per_family=one_per_family,
        cand_seeker=cand_seeker,
        cand_post=cand_post,
        cand_score=score_array,
        cand_score_scaled=scaled.astype(np.int64),
        seeker_tier=seeker_table[TIER].to_numpy(dtype=np.int64),
        post_capacity=post_table[CAPACITY].to_numpy(dtype=np.int64),
        post_city=post_city,
        city_names=city_names,
        city_cap=city_cap,
        seeker_family=seeker_family,
        family_names=family_names,
        family_zero=family_zero,
    )


def _duplicate_pairs(cand_seeker: IntArray, cand_post: IntArray, n_posts: int) -> BoolArray:
    """Rows repeating an earlier (seeker, post) pair; unknown ids (code -1) are never duplicates.

    A sort of the integer pair keys finds whether any pair repeats (about a second at 15 million
    rows, where a hash-based ``duplicated`` takes several); the rows are located only if so.
    """
    known = (cand_seeker >= 0) & (cand_post >= 0)
    n_seekers = int(cand_seeker.max(initial=0)) + 1
    # 32-bit keys sort about twice as fast; province scale (3e5 x 3e3 pairs) fits.
    key_type = np.int32 if n_seekers * max(n_posts, 1) < 2**31 else np.int64
    key = cand_seeker.astype(key_type) * max(n_posts, 1) + cand_post.astype(key_type)
    ordered = np.sort(key[known])
    if not (ordered[1:] == ordered[:-1]).any():
        return np.zeros(len(key), dtype=bool)
    repeated = pd.Series(np.where(known, key, -1)).duplicated(keep="first").to_numpy()
    return repeated & known


def _floor_table(
    problems: _Problems,
    file: str,
    table: pd.DataFrame | Mapping[str, int] | Mapping[int, int] | None,
    *,
    key: str,
    key_is_int: bool,
    value: str = FLOOR,
) -> pd.Series:
    """A (key, value) table of non-negative integers as a Series; problems recorded."""
    if table is None:
        return pd.Series(
            [], dtype=np.int64, index=pd.Index([], dtype=np.int64 if key_is_int else object)
        )
    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame({key: list(table.keys()), value: list(table.values())})
    table = table.reset_index(drop=True)
    if _missing_columns(problems, file, table, [key, value]):
        return pd.Series([], dtype=np.int64)
    amounts = _numbers(problems, file, table, value, integer=True, minimum=0)
    if key_is_int:
        keys = _numbers(problems, file, table, key, integer=True, minimum=1)
        key_values: pd.Series = keys.fillna(0).astype(np.int64)
    else:
        key_values = _to_text(table[key])
        problems.add_rows(file, table, (key_values == "").to_numpy(), key, "empty key")
    problems.add_rows(file, table, key_values.duplicated().to_numpy(), key, f"duplicate {key}")
    return pd.Series(
        amounts.fillna(0).astype(np.int64).to_numpy(),
        index=pd.Index(key_values.to_numpy(), name=key),
        name=value,
    )


#: Seekers columns read as text (ids).
SEEKER_TEXT_COLUMNS: list[str] = [SEEKER_ID, FAMILY_ID]


def read_allocation_table(
    path: str | Path, text_columns: list[str], *, encoding: str | None = None
) -> pd.DataFrame:
    """One table of the ``matcher allocate`` contract as written: CSV (UTF-8 with or without
    BOM, else GB18030/GBK, or ``encoding``), Parquet or an Excel workbook (title rows, 序号 …
    as the loaders read them); ``text_columns`` are read as text, so '007' stays '007'."""
    import io

    from matcher.errors import MatcherError
    from matcher.io.load import read_workbook_raw
    from matcher.io.sheets import decode_text

    target = Path(path)
    try:
        if target.suffix.lower() == ".parquet":
            frame = pd.read_parquet(target)
            for column in text_columns:
                if column in frame:
                    frame[column] = frame[column].astype(str)
            return frame
        options: dict[str, Any] = {
            "dtype": {column: str for column in text_columns},
            "keep_default_na": False,
            "na_values": {column: [""] for column in ("score", "capacity", "cap", "floor")},
        }
        if target.suffix.lower() in (".xlsx", ".xls"):
            # A workbook (title rows, 序号 …) read as the loaders read one, then parsed
            # exactly as the CSV would be.
            sheet = read_workbook_raw(target, str(target))
            return pd.read_csv(io.StringIO(sheet.to_csv(index=False)), **options)
        try:
            return pd.read_csv(target, encoding=encoding or "utf-8", **options)
        except UnicodeDecodeError:
            if encoding is not None:
                raise
        # Not UTF-8: GBK/GB18030 as Chinese Excel saves CSV (large files are UTF-8 from
        # the tools, so only a person's file pays for decoding it whole).
        text = decode_text(target.read_bytes(), str(target))
        return pd.read_csv(io.StringIO(text), **options)
    except FileNotFoundError as error:
        raise MatcherError(f"input file not found: {target}") from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataValidationError(
            [Problem(str(target), None, None, None, f"cannot be read as a table: {error}")]
        ) from error


def read_problem(
    seekers: str | Path,
    posts: str | Path,
    candidates: str | Path,
    *,
    city_caps: str | Path | None = None,
    tier_floors: str | Path | None = None,
    group_floors: str | Path | None = None,
    family_guarantee: bool = False,
    one_per_family: bool = False,
    encoding: str | None = None,
    seekers_table: pd.DataFrame | None = None,
) -> AllocationProblem:
    """Read the CSV (or Parquet, or Excel) files of the ``matcher allocate`` contract into a
    problem.

    Ids are read as text so that '007' and '7' stay different seekers. CSV is UTF-8 (BOM or
    not), else GB18030 (GBK), or in ``encoding``. ``seekers_table`` is the seekers file
    already read with :func:`read_allocation_table` (``seekers`` then only names it in
    messages), so a caller that looked at its columns does not read a workbook twice.
    """

    def read(path: str | Path, text_columns: list[str]) -> pd.DataFrame:
        return read_allocation_table(path, text_columns, encoding=encoding)

    def caps(path: str | Path) -> pd.DataFrame:
        # ``matcher quotas --out`` writes region, quota (and explanations): its regions are the
        # cities and its quotas the caps, so the quotas file is taken as it is.
        table = read(path, [CITY, QUOTA_REGION])
        if not {CITY, CAP} & set(table.columns) and {QUOTA_REGION, QUOTA} <= set(table.columns):
            table = table.loc[:, [QUOTA_REGION, QUOTA]].rename(
                columns={QUOTA_REGION: CITY, QUOTA: CAP}
            )
        return table

    names = InputNames(
        seekers=str(seekers),
        posts=str(posts),
        candidates=str(candidates),
        city_caps=str(city_caps),
        tier_floors=str(tier_floors),
        group_floors=str(group_floors),
    )
    return build_problem(
        read(seekers, SEEKER_TEXT_COLUMNS) if seekers_table is None else seekers_table,
        read(posts, [POST_ID, CITY]),
        read(candidates, [SEEKER_ID, POST_ID]),
        city_caps=None if city_caps is None else caps(city_caps),
        tier_floors=None if tier_floors is None else read(tier_floors, []),
        group_floors=None if group_floors is None else read(group_floors, [GROUP]),
        family_guarantee=family_guarantee,
        one_per_family=one_per_family,
        names=names,
    )
