"""The fairness benchmark: every mechanism on the same generated instances, measured alike.

An *instance* is one program's allocation problem built from the generator's data
(:func:`build_instance`): the eligible seekers (tier from the eligibility engine, a seeded
lottery, household as family, city, sex and priority groups), the program's open posts, and
candidate pairs from the scoring package (top-K by title similarity, hard filters applied).
:func:`run_benchmark` runs every :class:`Setting` through the one ``allocate`` API and measures
each result with :func:`matcher.fairness.metrics.measure_allocation`; the price of fairness is
each setting's value lost against unconstrained ``optimal`` on the same instance.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from matcher import __version__
from matcher.allocation.api import allocate_problem
from matcher.allocation.coverage import release_families, uncoverable_families
from matcher.allocation.problem import AllocationProblem, build_problem
from matcher.allocation.result import MECHANISMS, Mechanism
from matcher.errors import InfeasibleError, MatcherError
from matcher.fairness.metrics import FairnessMeasures, chosen_arcs, measure_allocation
from matcher.generator import generate_province
from matcher.policy.rules import DEFAULT_PRESET, group_names
from matcher.programs import (
    allocation_posts,
    city_need,
    city_quotas,
    need_from_counts,
    open_posts,
    program_candidates,
    program_eligibility,
    quota_caps,
)
from matcher.programs.allocation_input import allocation_input
from matcher.ranking.persist import load_shipped_model
from matcher.reports.audit import apportionment_audit

CandidateSource = Literal["ranker", "scoring", "random"]
#: Candidate posts kept per seeker.
DEFAULT_K = 20
#: The tier whose placement rate the frontier chart and the summary follow.
FOCUS_TIER = "1"


@dataclass(frozen=True)
class Setting:
    """A mechanism with a set of added constraints.

    ``tier_floors``: tier 1 must get at least as many places as under ``priority`` (which serves
    tier 1 first, so the floor is always feasible); ``families``: the zero-employment family
    guarantee (三十九); ``city_quotas``: each city's placements capped at its quota (apportioned
    by need with Webster's method).
    """

    name: str
    mechanism: str
    city_quotas: bool = False
    tier_floors: bool = False
    families: bool = False

    @property
    def constraints(self) -> str:
        """The added constraints in words ('' for none)."""
        parts = [
            label
            for flag, label in (
                (self.city_quotas, "city quotas"),
                (self.tier_floors, "tier floors"),
                (self.families, "family guarantee"),
            )
            if flag
        ]
        return " + ".join(parts)


SETTINGS: tuple[Setting, ...] = (
    Setting("lottery", "lottery"),
    Setting("priority", "priority"),
    Setting("stable", "stable"),
    Setting("optimal", "optimal"),
    Setting("lexicographic", "lexicographic"),
    Setting("optimal + city quotas", "optimal", city_quotas=True),
    Setting("optimal + tier floors", "optimal", tier_floors=True),
    Setting("optimal + families", "optimal", families=True),
    Setting("optimal + tier floors + families", "optimal", tier_floors=True, families=True),
)
#: The reference of the price of fairness.
BASELINE = "optimal"
#: What the rules prescribe for a programme's posts (as the demo and the weekly runs place
#: them): the setting the priority presets are compared under.
POLICY_SETTING = Setting(
    "lexicographic + city quotas + families", "lexicographic", city_quotas=True, families=True
)


@dataclass(frozen=True)
class Instance:
    """One allocation problem of the benchmark.

    ``seekers`` (``seeker_id``, ``tier``, ``lottery``, ``family_id``, ``zero_employment``,
    ``city``, ``sex``, ``groups``), ``posts`` (``post_id``, ``capacity``, ``city``),
    ``candidates`` (``seeker_id``, ``post_id``, ``score``); ``need`` is eligible people per city
    (the 14 cities, :func:`matcher.programs.city_need`), ``candidate_source`` how the candidates
    were made.
    """

    seed: int
    scale: str
    program: str
    seekers: pd.DataFrame
    posts: pd.DataFrame
    candidates: pd.DataFrame
    need: dict[str, int]
    candidate_source: str
    build_seconds: float = 0.0
    #: The programme's priority preset (``notice``: its rules file's own order).
    preset: str = DEFAULT_PRESET

    @property
    def places(self) -> int:
        """Total capacity of the posts."""
        return int(self.posts["capacity"].sum())

    def data_hash(self) -> str:
        """SHA-256 of the instance's three tables (content, not file bytes)."""
        digest = hashlib.sha256()
        for frame in (self.seekers, self.posts, self.candidates):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()


def _random_candidates(
    seekers: pd.DataFrame, posts: pd.DataFrame, k: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Fallback candidates: up to ``k`` distinct posts of the seeker's own city, drawn uniformly,
    with uniform scores (6 decimals). Used when the scoring package cannot run, and in tests."""
    parts = []
    post_city = posts["city"].astype(str).to_numpy()
    for city, group in seekers.groupby("city", sort=True):
        local = posts["post_id"].to_numpy()[post_city == str(city)]
        if len(local) == 0:
            continue
        take = min(k, len(local))
        keys = rng.random((len(group), len(local)))
        chosen = np.argsort(keys, axis=1)[:, :take]
        parts.append(
            pd.DataFrame(
                {
                    "seeker_id": np.repeat(group["seeker_id"].to_numpy(), take),
                    "post_id": local[chosen.ravel()],
                    "score": np.round(rng.random(len(group) * take), 6),
                }
            )
        )
    if not parts:
        return pd.DataFrame({"seeker_id": [], "post_id": [], "score": []})
    return pd.concat(parts, ignore_index=True)


def build_instance(
    scale: str = "small",
    seed: int = 0,
    *,
    program: str = "welfare",
    k: int = DEFAULT_K,
    candidate_source: CandidateSource = "scoring",
    preset: str | None = None,
) -> Instance:
    """Build one benchmark instance from the generator's data.

    Parameters
    ----------
    scale : {"small", "city", "province"}
        Generator scale.
    seed : int
        Seed of the generator and of the lottery.
    program : str
        Program whose open posts are allocated and whose policy decides eligibility and tiers.
    k : int
        Candidate posts per seeker.
    candidate_source : {"ranker", "scoring", "random"}
        ``ranker``: top-``k`` pairs of :func:`matcher.scoring.candidates.generate_candidates`
        scored by the shipped ranking model (calibrated P(hired and kept): the predicted match
        value), falling back to title similarity when the model cannot be loaded; ``scoring``:
        the same pairs scored by title similarity; ``random``: the fallback of
        :func:`_random_candidates`.
    preset : str, optional
        A priority preset of the programme's rules file (default: the file's own order).

    Returns
    -------
    Instance
    """
    start = time.perf_counter()
    province = generate_province(scale, seed=seed)
    people = province.tables["seekers"]
    households = province.tables["households"]
    eligibility = program_eligibility(
        people, households, program, province.reference_date, preset=preset
    )
    posts_open = open_posts(province.tables["posts"], program)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 2009]))
    # The allocation's seekers table with what the measures group by (policy tier, groups,
    # city, sex: the allocation orders by priority, the measures report the policy's tiers),
    # as `matcher eligibility --for-allocation` writes it, plus the lottery.
    seekers = allocation_input(people, households, eligibility)
    seekers.insert(2, "lottery", rng.permutation(len(seekers)).astype(np.int64))
    posts = allocation_posts(posts_open)
    source_label: str = candidate_source
    if candidate_source in ("ranker", "scoring"):
        model = None
        if candidate_source == "ranker":
            model, source_label = load_shipped_model()
        candidates = program_candidates(
            people,
            posts_open,
            province.reference_date,
            eligibility=eligibility,
            k=k,
            model=model,
        ).scored()
    elif candidate_source == "random":
        candidates = _random_candidates(seekers, posts, k, rng)
    else:
        raise MatcherError(
            "The 'candidate_source' parameter of build_instance must be 'ranker', 'scoring' or "
            f"'random'. Got {candidate_source!r} instead."
        )
    need_frame = city_need(eligibility)
    need = dict(zip(need_frame["region"], need_frame["eligible"].astype(int), strict=True))
    return Instance(
        seed=int(seed),
        scale=str(scale),
        program=program,
        seekers=seekers,
        posts=posts,
        candidates=candidates,
        need=need,
        candidate_source=source_label,
        build_seconds=time.perf_counter() - start,
        preset=preset or DEFAULT_PRESET,
    )


@dataclass
class RunRecord:
    """One setting on one instance: the measures, or why there are none."""

    setting: Setting
    seed: int
    status: str  # "ok", "infeasible" or "rejected"
    message: str = ""
    measures: FairnessMeasures | None = None
    objective: float = float("nan")
    solver_seconds: float = float("nan")
    measure_seconds: float = float("nan")


@dataclass
class BenchResult:
    """Everything the report shows."""

    scale: str
    seeds: list[int]
    settings: list[Setting]
    records: list[RunRecord]
    instances: list[dict[str, Any]]
    city_quotas: dict[int, dict[str, int]]
    audit: Any | None = None  # ApportionmentAudit of the first instance
    provenance: dict[str, Any] = field(default_factory=dict)
    #: Placements by priority group under each priority preset (:func:`preset_comparison`).
    presets: pd.DataFrame = field(default_factory=pd.DataFrame)

    def runs_frame(self) -> pd.DataFrame:
        """One row per (setting, seed) with every scalar metric and the price of fairness."""
        rows = [_scalar_row(record) for record in self.records]
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        baseline = frame[frame["setting"] == BASELINE].set_index("seed")["total_value"]
        reference = frame["seed"].map(baseline).astype(np.float64)
        price = reference - frame["total_value"]
        # Sums of the same placements in another order differ in the last bits: that is no price.
        frame["price_of_fairness"] = price.where(price.abs() > 1e-9 * reference.abs(), 0.0)
        frame["price_of_fairness_relative"] = frame["price_of_fairness"] / reference.where(
            reference > 0
        )
        return frame

    def groups_frame(self) -> pd.DataFrame:
        """Every breakdown row of every run, with ``setting`` and ``seed``."""
        parts = []
        for record in self.records:
            if record.measures is None:
                continue
            for table in record.measures.breakdowns.values():
                parts.append(table.assign(setting=record.setting.name, seed=record.seed))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def ranks_frame(self) -> pd.DataFrame:
        """Placed seekers per choice rank, per run."""
        rows = [
            {"setting": r.setting.name, "seed": r.seed, "rank": rank, "placed": count}
            for r in self.records
            if r.measures is not None
            for rank, count in r.measures.rank_distribution.items()
        ]
        return pd.DataFrame(rows, columns=["setting", "seed", "rank", "placed"])

    def quota_fill_frame(self) -> pd.DataFrame:
        """Quota fill per city, per run."""
        parts = [
            r.measures.quota_fill.assign(setting=r.setting.name, seed=r.seed)
            for r in self.records
            if r.measures is not None
        ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _scalar_row(record: RunRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "setting": record.setting.name,
        "mechanism": record.setting.mechanism,
        "constraints": record.setting.constraints,
        "seed": record.seed,
        "status": record.status,
        "message": record.message,
        "solver_seconds": record.solver_seconds,
        "measure_seconds": record.measure_seconds,
    }
    m = record.measures
    if m is None:
        return row
    tier_rates = m.rates("tier")
    fill = m.quota_fill["fill_rate"].dropna()
    placed_ranks = sum(m.rank_distribution.values())
    row.update(
        {
            "seekers": m.seekers,
            "placed": m.placed,
            "placement_rate": m.placement_rate,
            "total_value": m.total_value,
            "mean_value": m.total_value / m.placed if m.placed else float("nan"),
            "justified_envy_pairs": m.envy.justified_envy_pairs,
            "seekers_with_justified_envy": m.envy.seekers_with_justified_envy,
            "wasteful_pairs": m.envy.wasteful_pairs,
            "unused_capacity": m.unused_capacity,
            "families_coverable": m.families_coverable,
            "families_covered": m.families_covered,
            "family_coverage": m.families_covered / m.families_coverable
            if m.families_coverable
            else float("nan"),
            "floor_shortfall": m.floor_shortfall,
            "tier1_rate": tier_rates.get(FOCUS_TIER, float("nan")),
            "first_choice_share": m.rank_distribution.get("1", 0) / placed_ranks
            if placed_ranks
            else float("nan"),
            "min_city_quota_fill": float(fill.min()) if len(fill) else float("nan"),
            **{k: v for k, v in m.inequality.items() if k != "cities"},
        }
    )
    return row


def _city_quotas(instance: Instance) -> dict[str, int]:
    """The programme's city quotas, as the demo and the runs make them (one definition)."""
    if sum(instance.need.values()) == 0:
        return {}
    return quota_caps(city_quotas(need_from_counts(instance.need), instance.places))


def _problem_for(
    instance: Instance, setting: Setting, quotas: dict[str, int], tier1_floor: int
) -> AllocationProblem:
    seekers = instance.seekers
    if setting.families:
        # The guarantee binds for every family it can hold for (the rest are reported by the
        # family-coverage metric), so the setting measures its cost instead of failing whole.

        seekers = release_families(
            seekers,
            uncoverable_families(
                seekers,
                instance.posts,
                instance.candidates,
                city_caps=quotas if setting.city_quotas else None,
                tier_floors={_top_level(instance): tier1_floor} if setting.tier_floors else None,
            ),
        )
    return build_problem(
        seekers,
        instance.posts,
        instance.candidates,
        city_caps=quotas if setting.city_quotas else None,
        tier_floors={_top_level(instance): tier1_floor} if setting.tier_floors else None,
        family_guarantee=setting.families,
    )


def _top_level(instance: Instance) -> int:
    """The highest priority level present (the tier floors' subject): tier 1 when tiers are
    the policy's own, the first (tier, need) level when a need index refines them."""
    tiers = instance.seekers["tier"]
    return int(tiers.min()) if len(tiers) else 1


def run_instance(
    instance: Instance,
    settings: Sequence[Setting] = SETTINGS,
    *,
    time_limit: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[RunRecord], dict[str, int]]:
    """Run every setting on one instance and measure it.

    Returns
    -------
    (list of RunRecord, dict)
        The records in ``settings`` order, and the city quotas used for the quota fill.
    """
    quotas = _city_quotas(instance)
    base = build_problem(instance.seekers, instance.posts, instance.candidates)
    tier1_floor = 0
    if any(s.tier_floors for s in settings):
        served = allocate_problem(base, mechanism="priority", check=False)
        tier1_floor = int((served.assignments["tier"] == _top_level(instance)).sum())
    records = []
    for setting in settings:
        if setting.mechanism not in MECHANISMS:
            raise MatcherError(
                f"setting {setting.name!r}: mechanism must be one of {MECHANISMS}, "
                f"not {setting.mechanism!r}"
            )
        try:
            problem = (
                base
                if not (setting.city_quotas or setting.tier_floors or setting.families)
                else _problem_for(instance, setting, quotas, tier1_floor)
            )
            result = allocate_problem(
                problem, mechanism=cast(Mechanism, setting.mechanism), time_limit=time_limit
            )
        except InfeasibleError as error:
            records.append(RunRecord(setting, instance.seed, "infeasible", str(error)))
            continue
        except MatcherError as error:
            records.append(RunRecord(setting, instance.seed, "rejected", str(error)))
            continue
        start = time.perf_counter()
        arcs = chosen_arcs(problem, result.assignments)
        measures = measure_allocation(problem, arcs, city_quotas=quotas)
        records.append(
            RunRecord(
                setting,
                instance.seed,
                "ok",
                result.status,
                measures,
                objective=result.objective,
                solver_seconds=result.solver_seconds,
                measure_seconds=time.perf_counter() - start,
            )
        )
        if progress is not None:
            progress(f"seed {instance.seed}: {setting.name}")
    return records, quotas


def provenance(instances: Sequence[Instance]) -> dict[str, Any]:
    """Seeds, library versions and data hashes that reproduce a report."""
    versions = {}
    for package in (
        "numpy",
        "pandas",
        "scipy",
        "ortools",
        "fairlearn",
        "scikit-learn",
        "matplotlib",
        "jinja2",
    ):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"

    versions = {"matcher": __version__, "python": platform.python_version(), **versions}
    return {
        "seeds": [i.seed for i in instances],
        "scale": instances[0].scale if instances else "",
        "program": instances[0].program if instances else "",
        "candidate_source": instances[0].candidate_source if instances else "",
        "versions": versions,
        "data_hashes": {str(i.seed): i.data_hash() for i in instances},
    }


def run_benchmark(
    instances: Sequence[Instance],
    settings: Sequence[Setting] = SETTINGS,
    *,
    audit: bool = True,
    time_limit: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> BenchResult:
    """Run every setting on every instance; audit the city quotas of the first instance.

    Parameters
    ----------
    instances : sequence of Instance
        Usually one per seed (see :func:`build_instance`).
    settings : sequence of Setting
        Mechanisms and constraint settings; must include ``optimal`` for the price of fairness.
    audit : bool
        Whether to run the apportionment audit.
    time_limit : float
        Seconds per general-solver solve.
    progress : callable, optional
        Called with a short label after each run.

    Returns
    -------
    BenchResult
    """

    records: list[RunRecord] = []
    quotas: dict[int, dict[str, int]] = {}
    info = []
    for instance in instances:
        run, quotas[instance.seed] = run_instance(
            instance, settings, time_limit=time_limit, progress=progress
        )
        records.extend(run)
        info.append(
            {
                "seed": instance.seed,
                "seekers": len(instance.seekers),
                "posts": len(instance.posts),
                "places": instance.places,
                "candidate_pairs": len(instance.candidates),
                "cities": len(instance.need),
                "build_seconds": instance.build_seconds,
            }
        )
    audit_result = None
    if audit and instances and sum(instances[0].need.values()) > 0:
        audit_result = apportionment_audit(
            instances[0].need, instances[0].places, seed=instances[0].seed
        )
    return BenchResult(
        scale=instances[0].scale if instances else "",
        seeds=[i.seed for i in instances],
        settings=list(settings),
        records=records,
        instances=info,
        city_quotas=quotas,
        audit=audit_result,
        provenance=provenance(instances),
    )


def preset_comparison(instances: Sequence[Instance], *, time_limit: float = 60.0) -> pd.DataFrame:
    """Placements by priority group under each instance's priority preset, side by side.

    The instances are one programme and seed built under different presets
    (:func:`build_instance` with ``preset``); each is placed as the rules prescribe
    (:data:`POLICY_SETTING`). One row per group (a person counts in every group they are in):
    ``group``, ``name``, ``eligible``, then ``placed_<preset>`` and ``rate_<preset>``.
    """
    names = group_names()
    rows: list[pd.DataFrame] = []
    for instance in instances:
        records, _ = run_instance(instance, [POLICY_SETTING], time_limit=time_limit)
        measures = records[0].measures
        if measures is None or "group" not in measures.breakdowns:
            raise MatcherError(
                f"preset {instance.preset!r}: no allocation to compare ({records[0].message})"
            )
        groups = measures.breakdowns["group"].set_index("group")
        rows.append(
            pd.DataFrame(
                {
                    "eligible": groups["eligible"],
                    f"placed_{instance.preset}": groups["placed"],
                    f"rate_{instance.preset}": groups["placement_rate"].round(4),
                }
            )
        )
    if not rows:
        return pd.DataFrame()
    table = rows[0]
    for other in rows[1:]:
        table = table.join(other.drop(columns="eligible"), how="outer")
    table = table.reset_index().rename(columns={"index": "group"})
    table.insert(1, "name", table["group"].map(names).fillna(""))
    return table
