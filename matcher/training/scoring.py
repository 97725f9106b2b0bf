"""Score seekers against training sessions: interest, eligibility per kind, distance and labour
demand, combined into an expected employment gain per arc.

Interest reuses the vacancy scoring layer (:mod:`matcher.scoring.features`): each specialty is
scored as if it were a post whose title is the specialty's name, whose occupation is its CSCO
code and whose wanted skills are the skills it teaches.

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

from matcher import reference
from matcher.errors import DataValidationError, Problem
from matcher.reference import education_rank
from matcher.scoring.features import (
    _district_distance,
    _haversine_km,
    pair_features,
    prepare_posts,
    prepare_seekers,
)
from matcher.training.demand import labour_demand
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


def _interest(seekers: pd.DataFrame, specialties: pd.DataFrame, reference_date: date) -> FloatArray:
    """Interest of every seeker in every specialty (seekers × specialties, 0-1)."""
    if len(seekers) == 0 or len(specialties) == 0:
        return np.zeros((len(seekers), len(specialties)))
    pseudo_posts = pd.DataFrame(
        {
            "post_id": specialties["specialty"].astype(str).to_numpy(),
            "title": specialties["name"].astype(str).to_numpy(),
            "post_type": pd.array([None] * len(specialties), dtype="string"),
            "occupation_code": specialties["occupation_code"].astype(str).to_numpy(),
            "city": "",
            "district": "",
            "area": "urban_community",
            "min_education": specialties["min_education"].astype(str).to_numpy(),
            "min_age": np.nan,
            "max_age": np.nan,
            "wanted_skills": specialties["skills"].astype(str).to_numpy(),
            "wage": 0.0,
        }
    )
    prepared_seekers = prepare_seekers(seekers, reference_date)
    prepared_posts = prepare_posts(pseudo_posts)
    n_seekers, n_specialties = len(seekers), len(specialties)
    seeker_index = np.repeat(np.arange(n_seekers, dtype=np.int64), n_specialties)
    post_index = np.tile(np.arange(n_specialties, dtype=np.int64), n_seekers)
    features = pair_features(prepared_seekers, prepared_posts, seeker_index, post_index)
    # Wanting the trade: the best of the title similarities and the shared CSCO depth.
    title_fit = np.fmax(
        features["title_token_set"].to_numpy(dtype=float), features["type_partial"].to_numpy(float)
    )
    title_fit = np.nan_to_num(title_fit / 100.0, nan=0.0)
    depth_fit = np.nan_to_num(features["occupation_depth"].to_numpy(dtype=float) / 4.0, nan=0.0)
    # Background: the share of the taught skills the seeker already names.
    skill_fit = np.nan_to_num(features["skill_share"].to_numpy(dtype=float), nan=0.0)
    interest = 0.6 * np.maximum(title_fit, depth_fit) + 0.4 * skill_fit
    return np.clip(interest, 0.0, 1.0).reshape(n_seekers, n_specialties)


def _district_km(left: npt.NDArray[np.object_], right: npt.NDArray[np.object_]) -> FloatArray:
    """Distance between district centres, left × right (0 within a district)."""
    position, lon, lat = _district_distance()
    lp = np.asarray([position.get(str(d), -1) for d in left], dtype=np.int64)
    rp = np.asarray([position.get(str(d), -1) for d in right], dtype=np.int64)
    distance = np.zeros((len(left), len(right)))
    known = (lp[:, None] >= 0) & (rp[None, :] >= 0)
    li, ri = np.nonzero(known)
    distance[li, ri] = _haversine_km(lon[lp[li]], lat[lp[li]], lon[rp[ri]], lat[rp[ri]])
    distance[
        np.asarray(left, dtype=object)[:, None] == np.asarray(right, dtype=object)[None, :]
    ] = 0
    return distance


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
    interest = _interest(city_seekers, specialties, reference_date)[:, class_spec]
    distance = _district_km(
        city_seekers["district"].astype(str).to_numpy(dtype=object),
        classes["district"].to_numpy(dtype=object),
    )
    gain = expected_gain(interest, class_demand[None, :], distance)

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
            "interest": interest[seeker_pos, class_pos],
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
