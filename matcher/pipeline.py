"""One program's allocation, end to end, from a validated dataset:

eligibility → need per city → city quotas (apportionment) → scored candidates → allocation under
the quotas, tier priority and the zero-employment family guarantee.

The demo, the weekly runs and the benchmarks call these functions; none rebuilds the glue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from matcher import reference
from matcher.allocation.api import allocate
from matcher.allocation.coverage import allocate_covering_families
from matcher.allocation.result import Allocation
from matcher.eligibility import evaluate_eligibility
from matcher.io.load import Dataset
from matcher.policy import load_policy
from matcher.scoring.candidates import PairScorer, generate_candidates
from matcher.scoring.pipeline import candidate_table
from matcher.scoring.reasons import REASON_COLUMNS

DEFAULT_K = 50
DEFAULT_QUOTA_METHOD = "webster"
# Quota ties are broken by the documented lot with this seed, so a run never stops on a tie.
QUOTA_LOT_SEED = 2009


def open_program_posts(posts: pd.DataFrame, program: str) -> pd.DataFrame:
    """The program's open posts with places left."""
    keep = (posts["program"] == program) & (posts["status"] == "open") & (posts["capacity"] > 0)
    return posts.loc[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def allocation_seekers(
    seekers: pd.DataFrame, households: pd.DataFrame, eligibility: pd.DataFrame
) -> pd.DataFrame:
    """The allocation's seekers table for the eligible: ``seeker_id``, ``tier``, ``family_id``
    (the household) and ``zero_employment`` (0/1) — what the allocation engine reads."""
    eligible = eligibility.loc[eligibility["eligible"].to_numpy(dtype=bool)]
    people = seekers.set_index("seeker_id").loc[eligible["seeker_id"].to_numpy()]
    zero = households.set_index("household_id")["zero_employment"]
    return pd.DataFrame(
        {
            "seeker_id": eligible["seeker_id"].astype(str).to_numpy(),
            "tier": eligible["tier"].astype(int).to_numpy(),
            "family_id": people["household_id"].astype(str).to_numpy(),
            "zero_employment": zero.reindex(people["household_id"].to_numpy())
            .astype("boolean")
            .fillna(False)
            .astype(int)
            .to_numpy(),
        }
    )


def allocation_posts(posts: pd.DataFrame) -> pd.DataFrame:
    """The allocation's posts table: ``post_id``, ``capacity``, ``city``."""
    return pd.DataFrame(
        {
            "post_id": posts["post_id"].astype(str).to_numpy(),
            "capacity": posts["capacity"].astype(int).to_numpy(),
            "city": posts["city"].astype(str).to_numpy(),
        }
    )


def city_quotas(
    eligibility: pd.DataFrame,
    total: int,
    *,
    method: str = DEFAULT_QUOTA_METHOD,
    tier_weights: dict[int, int] | None = None,
) -> pd.DataFrame:
    """Apportion ``total`` places to the 14 cities by need (eligible people, optionally weighted
    by tier). Returns the explanation frame of :mod:`matcher.quotas` (``region``, ``quota`` …)."""
    from matcher.quotas.explain import explanation_frame
    from matcher.quotas.methods import apportion
    from matcher.quotas.need import need_weights

    weights = need_weights(
        eligibility, by="city", tier_weights=tier_weights, regions=reference.city_codes()
    )
    result = apportion(
        weights["region"].astype(str).tolist(),
        [str(w) for w in weights["weight"]],
        total,
        method,
        ties="lot",
        seed=QUOTA_LOT_SEED,
    )
    return explanation_frame(result, compare=False)


@dataclass
class ProgramRun:
    """Everything one program's allocation produced, for reports and storage."""

    program: str
    eligibility: pd.DataFrame
    quotas: pd.DataFrame
    pairs: pd.DataFrame
    allocation: Allocation
    notes: list[str] = field(default_factory=list)

    def placements(self) -> pd.DataFrame:
        """The placements with why, in full: the allocation's reason, the seeker's eligibility
        (groups and tier) and the match reasons of the pair (similar titles, skills, distance)."""
        placed = self.allocation.assignments
        eligibility = self.eligibility.set_index("seeker_id")[["groups", "reasons"]]
        eligibility = eligibility.rename(columns={"reasons": "eligibility"})
        match_columns = [c for c in REASON_COLUMNS if c in self.pairs.columns]
        match = self.pairs.set_index(["seeker_id", "post_id"])[match_columns]
        keys = pd.MultiIndex.from_arrays([placed["seeker_id"], placed["post_id"]])
        return pd.concat(
            [
                placed.reset_index(drop=True),
                eligibility.reindex(placed["seeker_id"]).reset_index(drop=True),
                match.reindex(keys).reset_index(drop=True),
            ],
            axis=1,
        )

    def placed_by_city(self) -> pd.DataFrame:
        """Per city: quota, places offered, placed."""
        placed = self.allocation.assignments.groupby("city").size()
        table = self.quotas.set_index("region")[["quota"]].rename_axis("city")
        table["placed"] = placed.reindex(table.index).fillna(0).astype(int)
        return table

    def placed_by_tier(self) -> pd.DataFrame:
        """Per tier: eligible, placed, placement rate."""
        eligible = self.eligibility[self.eligibility["eligible"].to_numpy(dtype=bool)]
        table = pd.DataFrame({"eligible": eligible.groupby("tier").size()})
        table["placed"] = (
            self.allocation.assignments.groupby("tier").size().reindex(table.index).fillna(0)
        ).astype(int)
        table["rate"] = (table["placed"] / table["eligible"]).round(3)
        return table

    def unplaced_reasons(self) -> pd.Series:
        """How many eligible seekers were left unplaced, by reason."""
        return self.allocation.unplaced["reason_code"].value_counts()


def run_program(
    dataset: Dataset,
    program: str,
    *,
    mechanism: str = "optimal",
    k: int = DEFAULT_K,
    quota_method: str = DEFAULT_QUOTA_METHOD,
    families: bool = True,
    model: PairScorer | None = None,
    reasons: bool = True,
    **allocate_options: Any,
) -> ProgramRun:
    """Allocate one program's open posts on a dataset.

    Parameters
    ----------
    dataset : Dataset
        Validated tables (``matcher.io.load.load_dataset``).
    program : str
        A program with a rules file and posts, e.g. ``welfare`` or ``grassroots``.
    mechanism : str
        Allocation mechanism (see ``docs/allocation.md``).
    k : int
        Candidate posts kept per seeker.
    quota_method : str
        Apportionment method for the city quotas (the caps of the allocation).
    families : bool
        Apply the zero-employment family guarantee of (三十九) where the mechanism supports it; if
        it cannot hold for every family, allocate without it and say so in ``notes``.
    model : PairScorer, optional
        The ranking model scoring pairs; without it, scores are title similarities.
    reasons : bool
        Explain every candidate pair in words (``ProgramRun.pairs`` then carries the reasons).
    **allocate_options :
        Passed to :func:`matcher.allocation.api.allocate` (tier floors, reserves …).
    """
    eligibility = evaluate_eligibility(
        dataset["seekers"], dataset["households"], load_policy(program), dataset.reference_date
    )
    posts = open_program_posts(dataset["posts"], program)
    quotas = city_quotas(eligibility, int(posts["capacity"].sum()), method=quota_method)
    candidates = generate_candidates(
        dataset["seekers"],
        posts,
        dataset.reference_date,
        k=k,
        eligibility=eligibility,
        model=model,
    )
    pairs = candidate_table(candidates, reasons=reasons)
    seekers = allocation_seekers(dataset["seekers"], dataset["households"], eligibility)
    caps = dict(zip(quotas["region"].astype(str), quotas["quota"].astype(int), strict=True))
    notes: list[str] = []
    use_families = families and mechanism in ("optimal", "lexicographic")
    arguments = {
        "mechanism": mechanism,
        "city_caps": caps if mechanism != "stable" else None,
        **allocate_options,
    }
    table = pairs.loc[:, ["seeker_id", "post_id", "score"]]
    uncovered: set[str] = set()
    if use_families:
        allocation, uncovered = allocate_covering_families(
            seekers, allocation_posts(posts), table, **arguments
        )
    else:
        allocation = allocate(seekers, allocation_posts(posts), table, **arguments)
    if uncovered:
        notes.append(
            f"family guarantee (三十九) not attainable for {len(uncovered)} zero-employment "
            f"families under this week's posts and quotas: {', '.join(sorted(uncovered))}"
        )
    return ProgramRun(program, eligibility, quotas, pairs, allocation, notes)
