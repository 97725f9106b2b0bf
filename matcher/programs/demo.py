"""The demo on the embedded default data: generate, validate, evaluate, allocate, summarise.

The CLI's ``matcher demo`` prints what :func:`run_demo` returns; nothing here prints. The
province benchmark (``benchmarks/bench_demo.py``) times it stage by stage through ``step``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from matcher.allocation.result import Mechanism
from matcher.generator import generate_province
from matcher.generator.output import write_province
from matcher.io.atomic import write_table
from matcher.io.load import Dataset, load_dataset
from matcher.policy import load_policy
from matcher.programs.run import ProgramRun, run_program
from matcher.programs.seekers import program_eligibility, with_policy_tiers
from matcher.programs.summary import (
    eligible_counts,
    posts_by_program_and_city,
    seekers_by_city_and_group,
)
from matcher.ranking.persist import load_shipped_model
from matcher.scoring.features import prepare_seekers

DEFAULT_SCALE = "small"
DEFAULT_SEED = 7
PROGRAMS_EVALUATED: tuple[str, ...] = ("welfare", "grassroots", "internship", "training")
# Programmes whose posts the province issues as city quotas under priority tiers: allocated with
# the lexicographic mechanism (most tier-1 placements first, then tier 2, …, then value).
# The zero-employment family guarantee (三十九) is applied to welfare posts, the programme for
# the hard-to-employ; grassroots posts follow their tiers (poor-family graduates first).
PROGRAMS_ALLOCATED: dict[str, bool] = {"welfare": True, "grassroots": False}
DEMO_MECHANISM: Mechanism = "lexicographic"


@dataclass
class DemoResult:
    """What the demo produced: the dataset, eligibility per programme, summary tables, files."""

    data_dir: Path
    dataset: Dataset
    eligibility: dict[str, pd.DataFrame]
    seekers_by_city_and_group: pd.DataFrame
    posts_by_program_and_city: pd.DataFrame
    eligible_counts: pd.DataFrame
    allocations: dict[str, ProgramRun] = field(default_factory=dict)
    model_note: str = ""
    files: list[Path] = field(default_factory=list)


def run_demo(
    out: Path,
    *,
    scale: str = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Generate the default synthetic province into ``out/data``, validate it, evaluate
    eligibility for every programme and allocate the welfare and grassroots posts under city
    quotas, writing ``out/eligibility_<program>.csv``, ``allocation_*.csv``, ``unplaced_*.csv``,
    ``quotas_*.csv``.

    Parameters
    ----------
    out : Path
        Output directory (created; a previous demo output there is replaced).
    scale, seed :
        Passed to :func:`matcher.generator.generate_province`.
    step : callable, optional
        Told the name of each stage as it starts (for progress display and the benchmark).
    """
    announce = step or (lambda _name: None)
    data_dir = out / "data"
    announce(f"generating the synthetic province ({scale}, seed {seed})")
    write_province(generate_province(scale, seed=seed), data_dir)

    announce("validating every table")
    dataset = load_dataset(data_dir)

    results: dict[str, pd.DataFrame] = {}
    files: list[Path] = []
    for program in PROGRAMS_EVALUATED:
        announce(f"evaluating {program} eligibility")
        results[program] = program_eligibility(
            dataset["seekers"], dataset["households"], program, dataset.reference_date
        )
        path = out / f"eligibility_{program}.csv"
        write_table(results[program], path)
        files.append(path)

    model, model_note = load_shipped_model()
    allocations: dict[str, ProgramRun] = {}
    prepared = None
    for program, families in PROGRAMS_ALLOCATED.items():
        announce(f"allocating {program} posts (quotas, candidates, {DEMO_MECHANISM})")
        # The seekers are prepared for scoring once; each programme sets its own tiers.
        prepared = prepared or prepare_seekers(dataset["seekers"], dataset.reference_date)
        run = run_program(
            dataset,
            program,
            mechanism=DEMO_MECHANISM,
            model=model,
            families=families,
            eligibility=results[program],
            prepared_seekers=prepared,
        )
        allocations[program] = run
        announce(f"writing {program} placements with reasons")
        for name, frame in (
            ("allocation", run.placements()),
            ("unplaced", with_policy_tiers(run.allocation.unplaced, run.eligibility)),
            ("quotas", run.quotas),
        ):
            path = out / f"{name}_{program}.csv"
            write_table(frame, path)
            files.append(path)
        run.keep_shown_pairs()

    announce("summarising")
    return DemoResult(
        data_dir=data_dir,
        allocations=allocations,
        model_note=model_note,
        dataset=dataset,
        eligibility=results,
        seekers_by_city_and_group=seekers_by_city_and_group(
            dataset["seekers"], results["welfare"], load_policy("welfare")
        ),
        posts_by_program_and_city=posts_by_program_and_city(dataset["posts"]),
        eligible_counts=eligible_counts(results),
        files=files,
    )
