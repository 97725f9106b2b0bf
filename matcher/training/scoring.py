"""Score seekers against training sessions: interest, eligibility per kind, distance and labour
demand, combined into an expected employment gain per arc.

Interest reuses the vacancy scoring layer (:mod:`matcher.scoring`): desired titles normalised
and mapped to CSCO codes, skill bit sets, rapidfuzz similarity and shared CSCO depth, against
each specialty's name, occupation and taught skills.

Sessions that are interchangeable for every seeker — same specialty, kind, district and subsidy —
form one *class*; the optimiser works on classes (an exact reduction: any seeker's gain and cost
are the same in every session of a class) and the result is split back into sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from matcher import reference
from matcher.errors import DataValidationError, Problem
from matcher.geo import district_distances
from matcher.reference import education_rank
from matcher.scoring.features import (
    code_to_int,
    occupation_depth,
    prepare_seekers,
    skill_index,
)
from matcher.scoring.normalize import normalize_title
from matcher.training.demand import labour_demand
from matcher.training.payments import class_end_dates
from matcher.training.rules import BudgetRules
from matcher.training.subsidy import subsidy_per_trainee

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Expected employment gain is stored in whole percentage points per arc (1 unit = 0.01 of an
#: expected employment); the optimum is exact for gains so rounded.
GAIN_SCALE = 100
#: The documented proxy: gain = BASE_GAIN × (DEMAND_FLOOR + (1 - DEMAND_FLOOR) × demand)
#: × (INTEREST_FLOOR + (1 - INTEREST_FLOOR) × interest) × exp(-distance / DISTANCE_SCALE_KM).
BASE_GAIN = 0.6
DEMAND_FLOOR = 0.2
INTEREST_FLOOR = 0.3
DISTANCE_SCALE_KM = 100.0

ARC_COLUMNS: tuple[str, ...] = (
    "seeker", "klass", "gain_units", "subsidy_yuan", "allowance_yuan", "cost_yuan", "interest",
    "labour_demand", "distance_km",
)  # fmt: skip


@dataclass(frozen=True)
class TrainingCandidates:
    """Everything the optimiser and the explanations need, for one city.

    Attributes
    ----------
    city : str
    seekers : DataFrame
        Seekers of the city in input order: ``seeker_id``, ``district``, ``eligible``, ``kinds``,
        ``groups``, ``returning_migrant``, ``poor``, ``excluded`` (why the seeker has no arc, or
        empty).
    sessions : DataFrame
        Sessions of the city: spec columns plus ``klass`` (class position) and
        ``subsidy_yuan`` (per trainee).
    classes : DataFrame
        One row per class: ``specialty``, ``kind``, ``district``, ``subsidy_yuan``,
        ``capacity`` (sum over its sessions), ``hours``.
    arcs : DataFrame
        Columns :data:`ARC_COLUMNS`; ``seeker`` and ``klass`` are positions in the frames above.
    demand : DataFrame
        Labour demand per specialty of the city (:func:`matcher.training.demand.labour_demand`).
    """

    city: str
    seekers: pd.DataFrame
    sessions: pd.DataFrame
    classes: pd.DataFrame
    arcs: pd.DataFrame
    demand: pd.DataFrame


def _specialties(sessions: pd.DataFrame) -> pd.DataFrame:
    catalogue = reference.training_catalogue()
    unknown = sorted(set(sessions["specialty"].astype(str)) - set(catalogue["specialty"]))
    if unknown:
        problems = [
            Problem(
                "training_sessions.csv",
                int(position) + 2,
                "specialty",
                str(value),
                "must be a specialty of the training catalogue (data/training_catalogue.csv)",
            )
            for position, value in enumerate(sessions["specialty"].astype(str))
            if value in unknown
        ]
        raise DataValidationError(problems)
    return catalogue


def seeker_interest(
    seekers: pd.DataFrame, reference_date: date, specialties: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Interest (0-1) of every seeker in every specialty of the catalogue.

    Computed once, it can be passed to :func:`score_training` for every city (the costly part,
    mapping desired titles to occupations, then runs once for the whole province).

    Returns
    -------
    DataFrame
        Index ``seeker_id``, one column per specialty.
    """
    table = reference.training_catalogue() if specialties is None else specialties
    values = _interest(seekers, table, reference_date)
    return pd.DataFrame(
        values,
        index=pd.Index(seekers["seeker_id"].astype(str).to_numpy(), name="seeker_id"),
        columns=table["specialty"].astype(str).to_numpy(),
    )


def _interest(seekers: pd.DataFrame, specialties: pd.DataFrame, reference_date: date) -> FloatArray:
    """Interest of every seeker in every specialty (seekers × specialties, 0-1).

    Built from the scoring layer's pieces: normalised desired titles mapped to CSCO codes
    (:func:`prepare_seekers`), skill bit sets, rapidfuzz similarities and the shared CSCO depth.
    String similarities are computed once per (distinct title, specialty), never per seeker.
    """
    n_seekers, n_specialties = len(seekers), len(specialties)
    if n_seekers == 0 or n_specialties == 0:
        return np.zeros((n_seekers, n_specialties))
    prepared = prepare_seekers(seekers, reference_date)
    occupation_names = dict(
        zip(reference.occupations()["code"], reference.occupations()["name"], strict=True)
    )
    spec_names = [normalize_title(n) for n in specialties["name"].astype(str)]
    spec_occupations = [
        normalize_title(occupation_names.get(str(c), "")) for c in specialties["occupation_code"]
    ]
    spec_codes = np.asarray(
        [code_to_int(str(c)) for c in specialties["occupation_code"]], dtype=np.int64
    )
    # Wanting the trade: best of the title similarities and the shared CSCO depth, per title.
    title_fit = np.zeros((n_seekers, n_specialties))
    if prepared.titles:
        titles = list(prepared.titles)
        by_name = process.cdist(titles, spec_names, scorer=fuzz.partial_ratio, workers=-1)
        by_occupation = process.cdist(
            titles, spec_occupations, scorer=fuzz.partial_ratio, workers=-1
        )
        n_titles = len(titles)
        depth = occupation_depth(
            np.repeat(prepared.title_code, n_specialties), np.tile(spec_codes, n_titles)
        ).reshape(n_titles, n_specialties)
        per_title = np.maximum(
            np.maximum(by_name, by_occupation) / 100.0, np.nan_to_num(depth / 4.0, nan=0.0)
        )
        counts = np.diff(prepared.title_start)
        has_titles = counts > 0
        rows = per_title[prepared.title_id]
        title_fit[has_titles] = np.maximum.reduceat(rows, prepared.title_start[:-1][has_titles])
    # Background: the share of the taught skills the seeker already names.
    spec_bits, spec_counts, _ = skill_index().bits(specialties["skills"])
    held = np.zeros((n_seekers, n_specialties))
    for word in range(spec_bits.shape[1]):
        held += np.bitwise_count(prepared.skill_bits[:, word, None] & spec_bits[None, :, word])
    skill_fit = held / np.maximum(spec_counts, 1)[None, :]
    interest = 0.6 * title_fit + 0.4 * skill_fit
    return np.clip(interest, 0.0, 1.0)


def _district_km(left: npt.NDArray[np.object_], right: npt.NDArray[np.object_]) -> FloatArray:
    """Distance between district centres, left × right (0 within a district); computed once per
    distinct pair of districts."""
    district_codes, km = district_distances()
    position = {code: i for i, code in enumerate(district_codes)}
    left_codes, left_unique = pd.factorize(pd.Series(left, dtype="string"))
    right_codes, right_unique = pd.factorize(pd.Series(right, dtype="string"))
    lp = np.asarray([position.get(str(d), -1) for d in left_unique], dtype=np.int64)
    rp = np.asarray([position.get(str(d), -1) for d in right_unique], dtype=np.int64)
    table = np.zeros((len(lp), len(rp)))
    known = (lp[:, None] >= 0) & (rp[None, :] >= 0)
    li, ri = np.nonzero(known)
    table[li, ri] = km[lp[li], rp[ri]]
    same = np.asarray(left_unique, dtype=object)[:, None] == np.asarray(right_unique, dtype=object)
    table[same] = 0.0
    return table[np.asarray(left_codes)[:, None], np.asarray(right_codes)[None, :]]


def expected_gain(interest: FloatArray, demand: FloatArray, distance_km: FloatArray) -> FloatArray:
    """The documented proxy of expected employment gain (probability points, 0-``BASE_GAIN``)."""
    return (
        BASE_GAIN
        * (DEMAND_FLOOR + (1 - DEMAND_FLOOR) * demand)
        * (INTEREST_FLOOR + (1 - INTEREST_FLOOR) * interest)
        * np.exp(-distance_km / DISTANCE_SCALE_KM)
    )


def score_training(
    seekers: pd.DataFrame,
    eligibility: pd.DataFrame,
    sessions: pd.DataFrame,
    posts: pd.DataFrame,
    city: str,
    reference_date: date,
    rules: BudgetRules,
    *,
    top_k: int | None = None,
    keep_kinds_for_groups: dict[str, set[str]] | None = None,
    interest: pd.DataFrame | None = None,
) -> TrainingCandidates:
    """Candidate arcs (seeker, session class) for one city with gain, subsidy and allowances.

    Parameters
    ----------
    seekers : DataFrame
        Validated seekers table (any cities; only ``city`` is used).
    eligibility : DataFrame
        The training program's eligibility (:func:`matcher.eligibility.evaluate_eligibility`),
        aligned with ``seekers`` by ``seeker_id``; its ``kinds`` column lists the open kinds.
    sessions : DataFrame
        Validated ``training_sessions`` table.
    posts : DataFrame
        Validated posts table; open vacancies measure labour demand.
    city : str
        City code.
    reference_date : date
    rules : BudgetRules
    top_k : int, optional
        Keep each seeker's ``top_k`` best classes by gain (all eligible classes when None).
    keep_kinds_for_groups : dict, optional
        group id → kinds: arcs of these kinds are kept for the group's members whatever
        ``top_k`` says, so floors are not made infeasible by the cut.
    interest : DataFrame, optional
        Precomputed :func:`seeker_interest` (covering the city's seekers and specialties).

    Returns
    -------
    TrainingCandidates
    """
    in_city = seekers["city"].astype(str).to_numpy() == city
    city_seekers = seekers[in_city].reset_index(drop=True)
    elig = (
        eligibility.set_index(eligibility["seeker_id"].astype(str))
        .reindex(city_seekers["seeker_id"].astype(str))
        .reset_index(drop=True)
    )
    city_sessions = sessions[sessions["city"].astype(str) == city].reset_index(drop=True)
    # A class whose last day is already past cannot take anybody; one that started recently
    # still enrols (the bureau's practice the generator follows).
    last_day = class_end_dates(city_sessions["start_date"], city_sessions["hours"], rules)
    city_sessions = city_sessions[
        (last_day >= pd.Timestamp(reference_date)).to_numpy()
    ].reset_index(drop=True)
    catalogue = _specialties(city_sessions)
    subsidy = subsidy_per_trainee(city_sessions, rules)
    city_sessions = city_sessions.assign(subsidy_yuan=subsidy)

    # Classes of interchangeable sessions.
    class_keys = ["specialty", "kind", "district", "subsidy_yuan", "hours"]
    codes, uniques = pd.factorize(
        pd.MultiIndex.from_frame(city_sessions[class_keys].astype(str)), sort=True
    )
    city_sessions = city_sessions.assign(klass=np.asarray(codes, dtype=np.int64))
    classes = (
        city_sessions.groupby("klass", sort=True)
        .agg(
            specialty=("specialty", "first"),
            kind=("kind", "first"),
            district=("district", "first"),
            subsidy_yuan=("subsidy_yuan", "first"),
            hours=("hours", "first"),
            capacity=("capacity", "sum"),
        )
        .reset_index(drop=True)
    )
    for column in ("specialty", "kind", "district"):
        classes[column] = classes[column].astype(str)
    del uniques

    specialties = catalogue[catalogue["specialty"].isin(classes["specialty"])].reset_index(
        drop=True
    )
    demand = labour_demand(posts, seekers, specialties, [city])
    spec_position = {s: i for i, s in enumerate(specialties["specialty"].tolist())}
    class_spec = np.asarray([spec_position[s] for s in classes["specialty"]], dtype=np.int64)
    class_demand = demand["labour_demand"].to_numpy(dtype=float)[class_spec]
    if interest is None:
        city_interest = _interest(city_seekers, specialties, reference_date)
    else:
        city_interest = interest.reindex(
            index=city_seekers["seeker_id"].astype(str), columns=specialties["specialty"]
        ).to_numpy(dtype=float)
    interest_matrix = city_interest[:, class_spec]
    distance = _district_km(
        city_seekers["district"].astype(str).to_numpy(dtype=object),
        classes["district"].to_numpy(dtype=object),
    )
    gain = expected_gain(interest_matrix, class_demand[None, :], distance)

    # Hard filters: the kind is open to the seeker; education reaches the specialty's minimum;
    # remote stations serve their township's catchment (the seeker's own district).
    eligible = elig["eligible"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    kinds_cell = elig["kinds"].astype("string").fillna("").to_numpy(dtype=object)
    kind_open = np.zeros((len(city_seekers), len(classes)), dtype=bool)
    for kind in classes["kind"].unique():
        has_kind = np.asarray([kind in str(cell).split("|") for cell in kinds_cell])
        kind_open[:, (classes["kind"] == kind).to_numpy()] = has_kind[:, None]
    seeker_edu = np.asarray(
        [education_rank(str(e)) for e in city_seekers["education"].astype(str)], dtype=np.int64
    )
    spec_edu = np.asarray(
        [education_rank(str(e)) for e in specialties["min_education"]], dtype=np.int64
    )[class_spec]
    edu_ok = seeker_edu[:, None] >= spec_edu[None, :]
    remote = (classes["kind"] == "remote").to_numpy()
    same_district = (
        city_seekers["district"].astype(str).to_numpy(dtype=object)[:, None]
        == classes["district"].to_numpy(dtype=object)[None, :]
    )
    catchment_ok = ~remote[None, :] | same_district
    has_room = (classes["capacity"].to_numpy() > 0)[None, :]
    allowed = eligible[:, None] & kind_open & edu_ok & catchment_ok & has_room

    groups_cell = elig["groups"].astype("string").fillna("").to_numpy(dtype=object)
    group_sets = [set(str(cell).split("|")) - {""} for cell in groups_cell]
    keep = np.zeros_like(allowed)
    if top_k is not None and allowed.shape[1] > top_k:
        masked = np.where(allowed, gain, -np.inf)
        best = np.argpartition(-masked, top_k - 1, axis=1)[:, :top_k]
        np.put_along_axis(keep, best, True, axis=1)
        keep &= allowed
        for group, kinds in (keep_kinds_for_groups or {}).items():
            member = np.asarray([group in g for g in group_sets])
            of_kind = classes["kind"].isin(sorted(kinds)).to_numpy()
            keep |= allowed & member[:, None] & of_kind[None, :]
    else:
        keep = allowed

    # Allowances: returning migrants who live far from the class or are poor (二十四).
    returning = city_seekers["returning_migrant"].astype("boolean").fillna(False).to_numpy(bool)
    poor = np.asarray(["poor_family_worker" in g for g in group_sets], dtype=bool)
    allowance_kind = classes["kind"].isin(list(rules.allowance.kinds)).to_numpy()
    pay = rules.payment
    class_days = -(-classes["hours"].to_numpy(dtype=np.int64) // pay.hours_per_day)
    per_day = rules.allowance.travel_yuan_per_day + rules.allowance.lunch_yuan_per_day
    gets_allowance = (
        returning[:, None]
        & allowance_kind[None, :]
        & (poor[:, None] | (distance >= rules.allowance.distant_km))
    )

    seeker_pos, class_pos = np.nonzero(keep)
    allowance = np.where(
        gets_allowance[seeker_pos, class_pos], class_days[class_pos] * per_day, 0
    ).astype(np.int64)
    class_subsidy = classes["subsidy_yuan"].to_numpy(dtype=np.int64)
    arcs = pd.DataFrame(
        {
            "seeker": seeker_pos.astype(np.int64),
            "klass": class_pos.astype(np.int64),
            "gain_units": np.rint(gain[seeker_pos, class_pos] * GAIN_SCALE).astype(np.int64),
            "subsidy_yuan": class_subsidy[class_pos],
            "allowance_yuan": allowance,
            "cost_yuan": class_subsidy[class_pos] + allowance,
            "interest": interest_matrix[seeker_pos, class_pos],
            "labour_demand": class_demand[class_pos],
            "distance_km": distance[seeker_pos, class_pos],
        }
    )

    excluded = np.full(len(city_seekers), "", dtype=object)
    no_arc = ~allowed.any(axis=1)
    excluded[no_arc & eligible & ~kind_open.any(axis=1)] = (
        "no session of a training kind open to the seeker in the city"
    )
    excluded[no_arc & eligible & kind_open.any(axis=1)] = (
        "sessions of the open kinds need more education or serve another township"
    )
    excluded[~eligible] = (
        "not eligible: " + elig["excluded_by"].astype("string").fillna("").to_numpy(dtype=object)
    )[~eligible]
    seeker_frame = pd.DataFrame(
        {
            "seeker_id": city_seekers["seeker_id"].astype(str).to_numpy(),
            "district": city_seekers["district"].astype(str).to_numpy(),
            "eligible": eligible,
            "kinds": kinds_cell.astype(str),
            "groups": groups_cell.astype(str),
            "returning_migrant": returning,
            "poor": poor,
            "excluded": excluded.astype(str),
        }
    )
    return TrainingCandidates(
        city=city,
        seekers=seeker_frame,
        sessions=city_sessions,
        classes=classes,
        arcs=arcs,
        demand=demand,
    )
