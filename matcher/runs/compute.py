"""One week's matching for one city, computed from its input frames.

Steps, in order: eligibility per programme, programme placements (the stages of
:mod:`matcher.programs`), vacancy candidates and congestion-aware recommendation lists
(:mod:`matcher.recommend`), employer shortlists, the 20-day guarantee list
(:mod:`matcher.runs.guarantee`) and a fairness summary. Besides the frames it reads the shipped
policy files and, with the ``ranker`` scorer, the shipped model — both named in the run's
record — and nothing else: it never touches the database, and the same frames, files and
configuration always give the same outputs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

import pandas as pd

from matcher.frames import isin
from matcher.io.csvsafe import neutralise_column
from matcher.policy.rules import DEFAULT_PRESET, load_policy
from matcher.programs.candidates import program_candidates
from matcher.programs.payments import allowance_payments, payment_summary
from matcher.programs.place import place
from matcher.programs.posts import allocation_posts, open_mask, open_posts, places_left
from matcher.programs.seekers import allocation_seekers, program_eligibility, with_policy_tiers
from matcher.ranking.persist import load_shipped_model
from matcher.recommend import (
    Recommendations,
    recommend,
    recommendation_reasons,
    shortlists,
)
from matcher.runs import parallel
from matcher.runs.guarantee import BREACHES, STATUSES, guarantee_status
from matcher.schemas.columns import (
    CANDIDATE_PAIRS,
    EMPLOYER_ID,
    HOUSEHOLD_ID,
    OFFERED,
    OFFERS,
    OUTCOME,
    PLACEMENTS,
    POST_ID,
    PROGRAM,
    REASON,
    RECOMMENDATIONS,
    REMAINING,
    SCORE,
    SEEKER_ID,
    SHORTLISTS,
    TIER,
    WEEK,
)
from matcher.schemas.internal import PLACEMENTS_SCHEMA, RECOMMENDATIONS_SCHEMA, check_table
from matcher.scoring.features import prepare_seekers

Progress = Callable[[str, float], None]

RECOMMENDATION_COLUMNS = RECOMMENDATIONS
SHORTLIST_COLUMNS = SHORTLISTS
PLACEMENT_COLUMNS = PLACEMENTS
OUTPUT_TABLES = ("recommendations", "shortlists", "placements", "families")


@dataclass(frozen=True)
class RunConfig:
    """Everything besides the data that decides a run's outputs (hashed into the record)."""

    list_length: int = 5
    slack: float = 2.0
    method: Literal["capped", "topk"] = "capped"
    candidates_k: int = 20
    program_k: int = 30
    #: ``ranker``: pairs found by title similarity are scored by the shipped ranking model
    #: (``models/ranker.joblib``, named in the run's summary); ``similarity``: by the title
    #: similarity alone.
    scorer: Literal["ranker", "similarity"] = "ranker"
    programs: tuple[str, ...] = ("welfare", "grassroots", "internship")
    mechanism: Literal["optimal", "lexicographic", "stable", "priority", "lottery"] = (
        "lexicographic"
    )
    # The zero-employment guarantee of (三十九), for every family it can hold for this week (the
    # others are named in the run's notes and stay on the 20-day list). With the lexicographic
    # and optimal mechanisms it is an exact min-cost-flow solve, so runs stay reproducible.
    family_guarantee: bool = True
    #: Seconds the general solver (CP-SAT, used for the family guarantee when min-cost flow
    #: alone does not meet it) may take per programme before the run places without it.
    solver_seconds: float = 10.0
    shortlist_per_opening: int = 3
    shortlist_max: int = 20
    guarantee_days: int = 20
    near_days: int = 5
    #: The priority order of each programme's rules file: ``notice`` (the file's own: for
    #: welfare, zero-employment families first and every other group in one tier, ordered by
    #: need) or a preset it names, e.g. ``listing_order``; a programme without the preset
    #: uses its own order.
    priority_preset: str = DEFAULT_PRESET

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, so equal configurations hash equally."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        data = json.loads(text)
        data["programs"] = tuple(data.get("programs", ()))
        # Runs recorded before the scorer was configurable scored by title similarity.
        data.setdefault("scorer", "similarity")
        # Runs recorded before presets ranked the welfare groups in listing order.
        data.setdefault("priority_preset", "listing_order")
        return cls(**data)


@functools.cache
def _shipped_model() -> tuple[Any, str]:
    """The shipped ranker (loaded once per process) and the label that names it."""
    return load_shipped_model()


def scoring_model(config: RunConfig) -> tuple[Any, str]:
    """The model that scores this run's pairs (``None``: title similarity) and its label."""
    if config.scorer == "similarity":
        return None, "scoring (title similarity)"
    return _shipped_model()


@dataclass
class WeekInputs:
    """What one run reads: the city's pool on the reference date and earlier weeks' offers.

    ``posts`` carries ``remaining`` (capacity minus accepted and pending offers of earlier
    weeks); ``offers`` has :data:`matcher.schemas.columns.OFFERS` (``offered``: the day it
    was made).
    """

    city: str
    week: str
    reference_date: date
    seekers: pd.DataFrame
    households: pd.DataFrame
    employers: pd.DataFrame
    posts: pd.DataFrame
    offers: pd.DataFrame
    previous: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """SHA-256 of every input in a canonical form (sorted rows, fixed columns)."""
        hasher = hashlib.sha256()
        hasher.update(f"{self.city}|{self.week}|{self.reference_date}".encode())
        for name in ("seekers", "households", "employers", "posts", "offers"):
            hasher.update(name.encode())
            hasher.update(canonical_csv(getattr(self, name)))
        hasher.update(json.dumps(self.previous, sort_keys=True, default=str).encode())
        return hasher.hexdigest()


@dataclass
class WeekOutputs:
    """A run's outputs (frames) and its JSON summary."""

    recommendations: pd.DataFrame
    shortlists: pd.DataFrame
    placements: pd.DataFrame
    families: pd.DataFrame
    summary: dict[str, Any]
    timings: dict[str, float]
    #: :meth:`WeekInputs.digest` of the inputs, computed while the vacancy half runs.
    input_digest: str = ""
    #: :func:`canonical_csv` of tables already written out (the vacancy half's large lists,
    #: made in its process), so :meth:`digest` does not format them again. The frames are
    #: final once a WeekOutputs exists.
    canonical: dict[str, bytes] = field(default_factory=dict, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in OUTPUT_TABLES}

    def digest(self) -> str:
        """SHA-256 of the outputs in canonical form (what :func:`export` writes)."""
        hasher = hashlib.sha256()
        for name, frame in self.tables().items():
            hasher.update(name.encode())
            hasher.update(self.canonical.get(name) or canonical_csv(frame))
        hasher.update(canonical_json(self.summary))
        return hasher.hexdigest()


def canonical_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes that depend only on the frame's content: columns as given, rows as given,
    floats with 6 decimals, dates ISO, missing values empty, text that a spreadsheet would run
    as a formula prefixed with ``'`` (:mod:`matcher.io.csvsafe`)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        # Floats and datetimes are formatted by to_csv itself (one C pass, not a Python call
        # per cell); every other column is written as its values, missing ones empty.
        if not (
            pd.api.types.is_float_dtype(values.dtype)
            or pd.api.types.is_datetime64_any_dtype(values.dtype)
        ):
            out[column] = neutralise_column(values.astype(object).where(values.notna(), ""))
    text: str = out.to_csv(
        index=False,
        lineterminator="\n",
        float_format="%.6f",
        date_format="%Y-%m-%d",
        na_rep="",
    )
    return text.encode("utf-8")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _noop(_stage: str, _fraction: float) -> None:
    return None


def _refused(offers: pd.DataFrame) -> pd.DataFrame:
    """Pairs whose offer the seeker refused: never proposed again."""
    return offers.loc[offers[OUTCOME] == "refused", [SEEKER_ID, POST_ID]]


def _place_program(
    inputs: WeekInputs,
    program: str,
    config: RunConfig,
    unavailable: set[str],
    notes: list[str],
    seeker_side: Any,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Placements of one programme, its eligibility table and its scored pairs: the
    programme workflow's stages (:mod:`matcher.programs`) on the week's pool."""
    presets = load_policy(program).presets
    eligibility = program_eligibility(
        inputs.seekers,
        inputs.households,
        program,
        inputs.reference_date,
        preset=config.priority_preset if config.priority_preset in presets else None,
    )
    posts = open_posts(inputs.posts, program)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in PLACEMENT_COLUMNS})
    if posts.empty or not bool(eligibility["eligible"].any()):
        return empty, eligibility, pd.DataFrame(columns=list(CANDIDATE_PAIRS))
    candidates = program_candidates(
        inputs.seekers,
        posts,
        inputs.reference_date,
        eligibility=eligibility,
        k=config.program_k,
        model=scoring_model(config)[0],
        prepared_seekers=seeker_side,
        refused=_refused(inputs.offers),
    )
    scored = candidates.scored()
    pairs = scored.loc[~isin(scored[SEEKER_ID], unavailable)].reset_index(drop=True)
    if pairs.empty:
        return empty, eligibility, scored
    # Candidates exist only for the eligible, so this is the allocation's table of the seekers
    # still available with a candidate this week.
    seeker_table = allocation_seekers(inputs.seekers, inputs.households, eligibility)
    seeker_table = seeker_table.loc[isin(seeker_table[SEEKER_ID], pairs[SEEKER_ID])]
    placement = place(
        program,
        seeker_table.reset_index(drop=True),
        allocation_posts(posts),
        pairs,
        mechanism=config.mechanism,
        families=config.family_guarantee,
        time_limit=config.solver_seconds,
    )
    notes.extend(placement.notes)
    placed = with_policy_tiers(placement.allocation.assignments, eligibility)
    eligible_reason = eligibility.set_index(SEEKER_ID)["reasons"]
    reason = (
        eligible_reason.reindex(placed[SEEKER_ID]).fillna("").astype(str).to_numpy()
        + "；"
        + placed[REASON].astype(str).to_numpy()
    )
    frame = pd.DataFrame(
        {
            SEEKER_ID: placed[SEEKER_ID].astype(str).to_numpy(),
            POST_ID: placed[POST_ID].astype(str).to_numpy(),
            PROGRAM: program,
            TIER: pd.array(placed[TIER].to_numpy(), dtype="Int64"),
            SCORE: placed[SCORE].astype(float).round(6).to_numpy(),
            REASON: reason,
        }
    )
    return frame, eligibility, scored


def _fairness(
    placements: pd.DataFrame, eligibility: Mapping[str, pd.DataFrame], seekers: pd.DataFrame
) -> dict[str, Any]:
    """Per program: eligible and placed counts, and per tier, sex and hukou the placement rate,
    the mean score of the placed and the rate's ratio to the best-off group
    (:func:`matcher.fairness.breakdown`, the fairness report's own measure), with the largest
    difference and the smallest ratio between groups' rates."""
    from matcher.fairness import breakdown

    def number(value: Any) -> float | None:
        return None if pd.isna(value) else round(float(value), 6)

    summary: dict[str, Any] = {}
    attributes = seekers.set_index(seekers[SEEKER_ID].astype(str))[["sex", "hukou"]]
    for program, table in eligibility.items():
        eligible = table.loc[table["eligible"].astype(bool), [SEEKER_ID, TIER]]
        ids = eligible[SEEKER_ID].astype(str)
        mine = placements.loc[placements[PROGRAM] == program]
        placed = isin(ids, mine[SEEKER_ID])
        score = pd.Series(mine[SCORE].to_numpy(dtype=float), index=mine[SEEKER_ID].astype(str))
        value = score.reindex(ids).fillna(0.0).to_numpy()
        labels = {
            TIER: eligible[TIER].astype("Int64").to_numpy(),
            "sex": attributes["sex"].reindex(ids).to_numpy(),
            "hukou": attributes["hukou"].reindex(ids).to_numpy(),
        }
        groups: dict[str, Any] = {}
        for attribute, label in labels.items():
            frame = breakdown(placed, value, label, by=attribute)
            rows = {
                str(row["group"]): {
                    "eligible": int(row["eligible"]),
                    "placed": int(row["placed"]),
                    "rate": number(row["placement_rate"]),
                    "mean_score": number(row["mean_value"]),
                    "ratio_to_best": number(row["rate_ratio_to_best"]),
                }
                for row in frame.to_dict("records")
            }
            rates = [r["rate"] for r in rows.values() if r["rate"] is not None]
            groups[attribute] = {
                "groups": rows,
                "difference": round(max(rates) - min(rates), 6) if rates else 0.0,
                "ratio": round(min(rates) / max(rates), 6) if rates and max(rates) > 0 else 1.0,
            }
        summary[program] = {"eligible": len(eligible), "placed": int(placed.sum()), "by": groups}
    return summary


@dataclass
class VacancySide:
    """The vacancy half of a run: scored candidate pairs (``seeker_id``, ``post_id``,
    ``score``), the recommendation lists with reasons, and the employers' shortlists."""

    pairs: pd.DataFrame
    lists: Recommendations
    recommendations: pd.DataFrame
    shortlists: pd.DataFrame
    openings: pd.Series
    timings: dict[str, float]
    canonical: dict[str, bytes]


def vacancy_side(inputs: WeekInputs, config: RunConfig, seeker_side: Any) -> VacancySide:
    """Candidates, congestion-aware lists and shortlists for the week's open vacancies.

    Independent of the program placements, so a run may compute it in a second process
    (:mod:`matcher.runs.parallel`) while the programs are placed.
    """
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    vacancies = open_posts(inputs.posts, "vacancy")
    candidates = None
    if vacancies.empty or inputs.seekers.empty:
        scored = pd.DataFrame(columns=list(CANDIDATE_PAIRS))
    else:
        candidates = program_candidates(
            inputs.seekers,
            vacancies,
            inputs.reference_date,
            eligibility=None,
            k=config.candidates_k,
            model=scoring_model(config)[0],
            prepared_seekers=seeker_side,
            refused=_refused(inputs.offers),
        )
        scored = candidates.scored()
    timings["vacancy_candidates"] = round(time.perf_counter() - clock, 3)
    clock = time.perf_counter()

    openings = pd.Series(places_left(vacancies), index=pd.Index(vacancies[POST_ID].astype(str)))
    lists = recommend(
        scored, openings, list_length=config.list_length, slack=config.slack, method=config.method
    )
    recommendations = lists.lists.reset_index(drop=True)
    # Reasons are written for the listed pairs only (a quarter of the candidates), from the
    # pair features the candidates carry.
    if candidates is not None and len(recommendations):
        rows = candidates.positions(
            recommendations[SEEKER_ID].to_numpy(), recommendations[POST_ID].to_numpy()
        )
        features = candidates.pairs.iloc[rows].reset_index(drop=True)
        reasons = recommendation_reasons(features, candidates.seekers, candidates.posts)
        recommendations[REASON] = reasons.to_numpy()
    else:
        recommendations[REASON] = pd.Series([], dtype="string")
    recommendations = recommendations.loc[:, list(RECOMMENDATION_COLUMNS)]
    employer_of = vacancies.set_index(vacancies[POST_ID].astype(str))[EMPLOYER_ID].astype(str)
    short = shortlists(
        scored,
        openings,
        per_opening=config.shortlist_per_opening,
        max_length=config.shortlist_max,
    )
    short.insert(2, EMPLOYER_ID, employer_of.reindex(short[POST_ID]).to_numpy())
    short = short.loc[:, list(SHORTLIST_COLUMNS)]
    timings["recommend"] = round(time.perf_counter() - clock, 3)
    recommendations = recommendations.reset_index(drop=True)
    short = short.reset_index(drop=True)
    # Formatted here for the output digest: in a two-process run, beside the placements.
    canonical = {
        "recommendations": canonical_csv(recommendations),
        "shortlists": canonical_csv(short),
    }
    return VacancySide(scored, lists, recommendations, short, openings, timings, canonical)


def compute_week(
    inputs: WeekInputs,
    config: RunConfig,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
) -> WeekOutputs:
    """All outputs of one city's weekly run.

    Parameters
    ----------
    inputs : WeekInputs
        The pool on the reference date (see :func:`matcher.runs.store.load_inputs`).
    config : RunConfig
    progress : callable, optional
        Called with ``(stage, fraction done)`` as the run goes.
    workers : int, optional
        2 computes the vacancy half in a second process while the programs are placed, 1 does
        everything here; default: :func:`matcher.runs.parallel.wanted` decides by size and
        cores. The outputs do not depend on it.

    Returns
    -------
    WeekOutputs
    """
    report = progress or _noop
    timings: dict[str, float] = {}
    notes: list[str] = []
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    # Seekers holding an offer from an earlier week wait for its answer before another one.
    pending = set(inputs.offers.loc[inputs.offers[OUTCOME] == "pending", SEEKER_ID])
    placements: list[pd.DataFrame] = []
    eligibility: dict[str, pd.DataFrame] = {}
    best: list[pd.DataFrame] = []
    taken = set(pending)
    steps = len(config.programs) + 3
    # Seekers are prepared once for every program (titles mapped, skills encoded): the costly
    # part of candidate generation; each program sets its own tier feature.
    model, scoring = scoring_model(config)
    if config.scorer == "ranker" and model is None:
        notes.append(f"pairs scored without the ranking model: {scoring}")
    report("preparing seekers", 0.0)
    seeker_side = prepare_seekers(inputs.seekers, inputs.reference_date)
    lap("prepare_seekers")
    n_vacancies = int(open_mask(inputs.posts, "vacancy").sum())
    vacancy_future = (
        parallel.run_beside(vacancy_side, inputs, config, seeker_side)
        if parallel.wanted(len(inputs.seekers), n_vacancies, workers)
        else None
    )
    with parallel.one_thread_each() if vacancy_future is not None else nullcontext():
        for index, program in enumerate(config.programs):
            report(f"placing {program}", index / steps)
            placed, table, scored = _place_program(
                inputs, program, config, taken, notes, seeker_side
            )
            placements.append(placed)
            eligibility[program] = table
            best.append(scored)
            taken |= set(placed[SEEKER_ID])
            lap(f"place_{program}")
        # Hashing the inputs costs seconds at city scale: here it overlaps the vacancy half.
        input_digest = inputs.digest()
        lap("input_digest")
    placement_frame = (
        pd.concat(placements, ignore_index=True)
        .sort_values([SEEKER_ID], kind="stable")
        .reset_index(drop=True)
        .loc[:, list(PLACEMENT_COLUMNS)]
    )
    placement_frame[TIER] = placement_frame[TIER].astype("Int64")
    placement_frame[SCORE] = placement_frame[SCORE].astype(float)

    report("recommending vacancies", len(config.programs) / steps)
    if vacancy_future is not None:
        vacancy = vacancy_future.result()
        lap("wait_vacancies")  # what the placements did not cover of the child's work
    else:
        vacancy = vacancy_side(inputs, config, seeker_side)
        clock = time.perf_counter()
    timings.update(vacancy.timings)
    pairs, lists, short = vacancy.pairs, vacancy.lists, vacancy.shortlists
    recommendations, openings = vacancy.recommendations, vacancy.openings

    report("20-day guarantee", (len(config.programs) + 2) / steps)
    # This week's offers are made today: the 20-day clock counts to the day they were made.
    this_week = placement_frame.loc[:, [SEEKER_ID, POST_ID]].copy()
    this_week[OUTCOME] = "pending"
    this_week[OFFERED] = inputs.reference_date
    offers = pd.concat(
        [inputs.offers.loc[:, [SEEKER_ID, POST_ID, OUTCOME, OFFERED]], this_week],
        ignore_index=True,
    )
    best_posts = pd.concat([*best, pairs.loc[:, [SEEKER_ID, POST_ID, SCORE]]], ignore_index=True)
    families = guarantee_status(
        inputs.households,
        inputs.seekers,
        offers,
        best_posts,
        inputs.reference_date,
        days=config.guarantee_days,
        near_days=config.near_days,
    )
    # Stored by id (the canonical order); readers sort by urgency.
    families = families.sort_values(HOUSEHOLD_ID, kind="stable").reset_index(drop=True)
    lap("guarantee")

    status_counts = families["status"].value_counts()
    program_posts = inputs.posts.loc[inputs.posts[PROGRAM].isin(config.programs)]
    places = program_posts.groupby(PROGRAM)[REMAINING].sum()
    filled = placement_frame.groupby(PROGRAM).size()
    fill_rates = {
        program: {
            "places": int(places.get(program, 0)),
            "placed": int(filled.get(program, 0)),
            "rate": round(float(filled.get(program, 0)) / float(places[program]), 6)
            if int(places.get(program, 0))
            else 0.0,
        }
        for program in config.programs
    }
    summary: dict[str, Any] = {
        "city": inputs.city,
        "week": inputs.week,
        "reference_date": inputs.reference_date.isoformat(),
        "pool": {
            "seekers": len(inputs.seekers),
            "vacancies": len(openings),
            "vacancy_openings": int(openings.sum()),
            "program_posts": len(program_posts),
            "pending_offers": len(pending),
        },
        "placements": fill_rates,
        "recommendations": lists.report(),
        "shortlists": {"vacancies": int(short[POST_ID].nunique()), "entries": len(short)},
        "families": {
            **{s: int(status_counts.get(s, 0)) for s in STATUSES},
            # (三十九)'s 20-day guarantee broken: overdue, or covered only after the deadline.
            "breaches": int(sum(status_counts.get(s, 0) for s in BREACHES)),
        },
        "fairness": _fairness(placement_frame, eligibility, inputs.seekers),
        "payments": _payments(placement_frame, inputs.posts, config.programs),
        "changes": _changes(inputs, len(openings)),
        "scoring": scoring,
        "notes": notes,
    }
    report("done", 1.0)
    check_table(PLACEMENTS_SCHEMA, placement_frame)
    check_table(RECOMMENDATIONS_SCHEMA, recommendations)
    return WeekOutputs(
        recommendations=recommendations,
        shortlists=short,
        placements=placement_frame,
        families=families,
        summary=summary,
        timings=timings,
        input_digest=input_digest,
        canonical=vacancy.canonical,
    )


def _payments(
    placements: pd.DataFrame, posts: pd.DataFrame, programs: tuple[str, ...]
) -> dict[str, Any]:
    """Per programme with a ``[subsidy]`` (internships, (十七)): what this week's placements
    cost the province and the host units (:mod:`matcher.programs.payments`)."""
    out: dict[str, Any] = {}
    for program in programs:
        policy = load_policy(program)
        if policy.subsidy is None:
            continue
        mine = placements.loc[placements["program"] == program]
        out[program] = payment_summary(allowance_payments(mine, posts, policy))
    return out


def _changes(inputs: WeekInputs, vacancies: int) -> dict[str, Any]:
    """What changed since the city's previous run of an earlier week."""
    previous = inputs.previous
    if not previous:
        return {"previous_run": None}
    since = pd.Timestamp(previous["reference_date"])
    new_seekers = int((inputs.seekers["registered_date"] > since).sum())
    new_posts = int((inputs.posts["posted_date"] > since).sum())
    week_offers = inputs.offers.loc[inputs.offers[WEEK] == previous["week"], OUTCOME]
    outcomes = week_offers.value_counts()
    return {
        "previous_run": previous["run_id"],
        "previous_week": previous["week"],
        "seekers_delta": len(inputs.seekers) - int(previous["seekers"]),
        "vacancies_delta": vacancies - int(previous["vacancies"]),
        "new_seekers": new_seekers,
        "new_posts": new_posts,
        "last_week_offers": {
            o: int(outcomes.get(o, 0)) for o in ("accepted", "refused", "no_answer", "pending")
        },
    }


def empty_inputs(city: str, week: str, reference_date: date) -> WeekInputs:
    """Inputs with no rows (typed like the loader's frames)."""
    from matcher.storage.upsert import typed_frame

    return WeekInputs(
        city=city,
        week=week,
        reference_date=reference_date,
        seekers=typed_frame([], "seekers"),
        households=typed_frame([], "households"),
        employers=typed_frame([], "employers"),
        posts=typed_frame([], "posts").assign(remaining=pd.Series(dtype="Int64")),
        offers=pd.DataFrame(columns=list(OFFERS)),
    )


__all__ = [
    "OUTPUT_TABLES",
    "RunConfig",
    "WeekInputs",
    "WeekOutputs",
    "canonical_csv",
    "compute_week",
    "empty_inputs",
]
