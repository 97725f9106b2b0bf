"""Candidates for a dataset directory: load, eligibility, open posts of a program, top-K,
scores and reasons, as one table with ids. The CLI, the API and the benchmarks call this."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from matcher.scoring.candidates import (
    PROGRAMS_WITH_POLICY,
    Candidates,
    CandidateSummary,
    PairScorer,
    generate_candidates,
)
from matcher.scoring.features import BEST_TITLE, FEATURE_NAMES
from matcher.scoring.reasons import explain

ID_COLUMNS: tuple[str, ...] = ("seeker_id", "post_id", "score", "rank", "similarity")


def candidate_table(
    candidates: Candidates,
    *,
    importance: Mapping[str, float] | None = None,
    reasons: bool = True,
) -> pd.DataFrame:
    """The candidates as a table with ids: :data:`ID_COLUMNS`, features, then reasons."""
    pairs = candidates.pairs
    table = pd.DataFrame(
        {
            "seeker_id": candidates.seekers.seeker_id[pairs["seeker"].to_numpy()],
            "post_id": candidates.posts.post_id[pairs["post"].to_numpy()],
            "score": pairs["score"].to_numpy(),
            "rank": pairs["rank"].to_numpy(),
            "similarity": pairs["similarity"].round(4).to_numpy(),
        }
    )
    features = pairs.loc[:, list(FEATURE_NAMES)].round(4)
    table = pd.concat([table, features.reset_index(drop=True)], axis=1)
    if reasons:
        explained = explain(pairs, candidates.seekers, candidates.posts, importance=importance)
        table = pd.concat([table, explained.reset_index(drop=True)], axis=1)
    return table


def candidates_for_dir(
    directory: str | Path,
    program: str,
    *,
    k: int = 50,
    model: PairScorer | None = None,
    importance: Mapping[str, float] | None = None,
    reasons: bool = True,
) -> tuple[pd.DataFrame, CandidateSummary]:
    """Top-``k`` candidates of a program's eligible seekers among its open posts.

    Parameters
    ----------
    directory : path
        A dataset directory (validated by ``matcher.io.load``).
    program : str
        A post program (``welfare``, ``grassroots``, ``internship``, ``public_service``,
        ``vacancy``); programs with a policy file filter seekers by eligibility and carry tiers.
    k, model, importance, reasons
        See :func:`matcher.scoring.candidates.generate_candidates` and
        :func:`matcher.scoring.reasons.explain`.
    """
    from matcher.io.load import load_dataset

    dataset = load_dataset(directory, tables=("seekers", "households", "employers", "posts"))
    seekers, posts = dataset["seekers"], dataset["posts"]
    eligibility = None
    if program in PROGRAMS_WITH_POLICY:
        from matcher.eligibility import evaluate_eligibility
        from matcher.policy.rules import load_policy

        eligibility = evaluate_eligibility(
            seekers, dataset["households"], load_policy(program), dataset.reference_date
        )
    open_posts = posts[
        (posts["program"].astype(str) == program) & (posts["status"].astype(str) == "open")
    ].reset_index(drop=True)
    candidates = generate_candidates(
        seekers, open_posts, dataset.reference_date, k=k, eligibility=eligibility, model=model
    )
    table = candidate_table(candidates, importance=importance, reasons=reasons)
    return table, candidates.summary


__all__ = ["BEST_TITLE", "ID_COLUMNS", "candidate_table", "candidates_for_dir"]
