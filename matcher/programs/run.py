"""One programme's allocation, end to end, from a validated dataset — the stages in order:

eligibility → open posts → city quotas (apportionment over need) → candidates → placement
under the quotas, tier priority and the family guarantee → reasons for the placements.

The demo and the benchmarks call :func:`run_program`; the weekly runs call the same stages
with a week's pool (:mod:`matcher.runs.compute`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from matcher.allocation.result import Allocation, Mechanism
from matcher.io.load import Dataset
from matcher.programs.candidates import DEFAULT_K, program_candidates
from matcher.programs.place import place
from matcher.programs.posts import allocation_posts, open_posts
from matcher.programs.quotas import DEFAULT_QUOTA_METHOD, city_need, city_quotas, quota_caps
from matcher.programs.reasons import pair_reasons
from matcher.programs.seekers import (
    allocation_seekers,
    program_eligibility,
    with_policy_tiers,
)
from matcher.schemas.columns import POST_ID, SEEKER_ID, TIER
from matcher.scoring.candidates import Candidates, PairScorer
from matcher.scoring.features import PreparedSeekers


@dataclass
class ProgramRun:
    """Everything one programme's allocation produced, for reports and files."""

    program: str
    eligibility: pd.DataFrame
    quotas: pd.DataFrame
    candidates: Candidates
    allocation: Allocation
    notes: list[str] = field(default_factory=list)
    #: Candidate pairs the allocation chose from (kept when the pairs themselves are dropped).
    candidate_pairs: int = 0

    def __post_init__(self) -> None:
        self.candidate_pairs = self.candidate_pairs or len(self.candidates.pairs)

    def placements(self) -> pd.DataFrame:
        """The placements with why, in full: the allocation's reason, the seeker's eligibility
        (groups and tier) and the match reasons of the pair (similar titles, skills, distance)."""
        placed = with_policy_tiers(self.allocation.assignments, self.eligibility)
        placed = placed.reset_index(drop=True)
        eligibility = self.eligibility.set_index(SEEKER_ID)[["groups", "reasons"]]
        eligibility = eligibility.rename(columns={"reasons": "eligibility"})
        return pd.concat(
            [
                placed,
                eligibility.reindex(placed[SEEKER_ID]).reset_index(drop=True),
                pair_reasons(self.candidates, placed),
            ],
            axis=1,
        )

    def keep_shown_pairs(self) -> None:
        """Drop the candidate pairs no output shows (all but the placements), once the files
        are written: at province scale they are gigabytes of features nobody reads again."""
        placed = self.allocation.assignments
        rows = self.candidates.positions(
            placed[SEEKER_ID].astype(str).to_numpy(), placed[POST_ID].astype(str).to_numpy()
        )
        keep = np.zeros(len(self.candidates.pairs), dtype=bool)
        keep[rows[rows >= 0]] = True
        self.candidate_pairs = len(self.candidates.pairs)
        self.candidates = self.candidates.keep(keep)

    def placed_by_city(self) -> pd.DataFrame:
        """Per city: quota, places offered, placed."""
        placed = self.allocation.assignments.groupby("city").size()
        table = self.quotas.set_index("region")[["quota"]].rename_axis("city")
        table["placed"] = placed.reindex(table.index).fillna(0).astype(int)
        return table

    def placed_by_tier(self) -> pd.DataFrame:
        """Per policy tier: eligible, placed, placement rate."""
        eligible = self.eligibility[self.eligibility["eligible"].to_numpy(dtype=bool)]
        table = pd.DataFrame({"eligible": eligible.groupby(TIER).size()})
        placed = with_policy_tiers(self.allocation.assignments, self.eligibility)
        table["placed"] = (placed.groupby(TIER).size().reindex(table.index).fillna(0)).astype(int)
        table["rate"] = (table["placed"] / table["eligible"]).round(3)
        return table

    def unplaced_reasons(self) -> pd.Series:
        """How many eligible seekers were left unplaced, by reason."""
        return self.allocation.unplaced["reason_code"].value_counts()


def run_program(
    dataset: Dataset,
    program: str,
    *,
    mechanism: Mechanism = "lexicographic",
    k: int = DEFAULT_K,
    quota_method: str = DEFAULT_QUOTA_METHOD,
    quota_preset: str | None = None,
    families: bool = True,
    model: PairScorer | None = None,
    eligibility: pd.DataFrame | None = None,
    preset: str | None = None,
    prepared_seekers: PreparedSeekers | None = None,
    **allocate_options: Any,
) -> ProgramRun:
    """Allocate one programme's open posts on a dataset.

    Parameters
    ----------
    dataset : Dataset
        Validated tables (``matcher.io.load.load_dataset``).
    program : str
        A programme with a rules file and posts, e.g. ``welfare`` or ``grassroots``.
    mechanism : str
        Allocation mechanism (see ``docs/allocation.md``); the default follows the tiers.
    k : int
        Candidate posts kept per seeker.
    quota_method, quota_preset : str
        Apportionment method and optional named preset of the city quotas (the caps).
    families : bool
        Hold the zero-employment family guarantee of (三十九) where the mechanism supports it,
        for every family it can hold for; the others are named in ``notes``.
    model : PairScorer, optional
        The ranking model scoring pairs; without it, scores are title similarities.
    eligibility : DataFrame, optional
        The programme's eligibility when already evaluated on this dataset.
    preset : str, optional
        A priority preset of the programme's rules file (default: the file's own order).
    prepared_seekers : PreparedSeekers, optional
        The dataset's seekers already prepared for scoring
        (:func:`matcher.scoring.features.prepare_seekers`), shared by the programmes of one
        dataset: at province scale preparing them costs about ten seconds each time.
    **allocate_options :
        Passed to :func:`matcher.allocation.allocate` (tier floors, reserves …).
    """
    seekers, households = dataset["seekers"], dataset["households"]
    if eligibility is None:
        eligibility = program_eligibility(
            seekers, households, program, dataset.reference_date, preset=preset
        )
    posts = open_posts(dataset["posts"], program)
    post_table = allocation_posts(posts)
    quotas = city_quotas(
        city_need(eligibility),
        int(post_table["capacity"].sum()),
        method=quota_method,
        preset=quota_preset,
    )
    candidates = program_candidates(
        seekers,
        posts,
        dataset.reference_date,
        eligibility=eligibility,
        k=k,
        model=model,
        prepared_seekers=prepared_seekers,
    )
    placement = place(
        program,
        allocation_seekers(seekers, households, eligibility),
        post_table,
        candidates.scored(),
        mechanism=mechanism,
        city_caps=quota_caps(quotas),
        families=families,
        **allocate_options,
    )
    return ProgramRun(
        program, eligibility, quotas, candidates, placement.allocation, list(placement.notes)
    )
