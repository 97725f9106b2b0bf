"""A programme's candidate pairs: top-K scored posts per eligible seeker, by id.

Pairs stay in the typed columns of :class:`~matcher.scoring.candidates.Candidates` (row numbers
into the prepared sides, float scores and features); ids are looked up when a stage needs them,
and words only for the pairs a person will read (:mod:`matcher.programs.reasons`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.io.load import load_dataset
from matcher.programs.posts import open_posts
from matcher.programs.seekers import program_eligibility
from matcher.schemas.columns import POST_ID, SEEKER_ID
from matcher.scoring.candidates import (
    DEFAULT_K,
    PROGRAMS_WITH_POLICY,
    Candidates,
    CandidateSummary,
    PairScorer,
    generate_candidates,
)
from matcher.scoring.features import FEATURE_NAMES, PreparedSeekers, prepare_posts
from matcher.scoring.reasons import explain

#: The id and score columns of :func:`candidate_table`, before the features.
ID_COLUMNS: tuple[str, ...] = (SEEKER_ID, POST_ID, "score", "rank", "similarity")


def program_candidates(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    reference_date: date,
    *,
    eligibility: pd.DataFrame | None,
    k: int = DEFAULT_K,
    model: PairScorer | None = None,
    prepared_seekers: PreparedSeekers | None = None,
    refused: pd.DataFrame | None = None,
) -> Candidates:
    """Top-``k`` candidate posts of each eligible seeker among ``posts`` (a programme's open
    posts, :func:`matcher.programs.posts.open_posts`).

    Parameters
    ----------
    seekers, posts : DataFrame
    reference_date : date
    eligibility : DataFrame or None
        The programme's eligibility (None: everyone, no tier).
    k : int
        Posts kept per seeker.
    model : PairScorer, optional
        Scores the pairs; without one the score is the title similarity.
    prepared_seekers : PreparedSeekers, optional
        The seekers already prepared (shared by the programmes of a weekly run).
    refused : DataFrame, optional
        ``seeker_id``, ``post_id`` of offers the seeker refused: never proposed again.
    """
    prepared = None if prepared_seekers is None else (prepared_seekers, prepare_posts(posts))
    candidates = generate_candidates(
        seekers,
        posts,
        reference_date,
        k=k,
        eligibility=eligibility,
        model=model,
        prepared=prepared,
    )
    if refused is not None and len(refused) and len(candidates.pairs):
        gone = candidates.positions(refused[SEEKER_ID].astype(str), refused[POST_ID].astype(str))
        drop = np.zeros(len(candidates.pairs), dtype=bool)
        drop[gone[gone >= 0]] = True
        if drop.any():
            candidates = candidates.keep(~drop)
    return candidates


def candidate_table(
    candidates: Candidates,
    *,
    importance: Mapping[str, float] | None = None,
    reasons: bool = True,
) -> pd.DataFrame:
    """Every pair as a table a person reads: :data:`ID_COLUMNS`, features, then reasons
    (for ``matcher candidates``; the allocation reads :meth:`Candidates.scored`)."""
    pairs = candidates.pairs
    table = pd.DataFrame(
        {
            SEEKER_ID: candidates.seeker_ids(),
            POST_ID: candidates.post_ids(),
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
    k: int = DEFAULT_K,
    model: PairScorer | None = None,
    importance: Mapping[str, float] | None = None,
    reasons: bool = True,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, CandidateSummary]:
    """Top-``k`` candidates of a programme's eligible seekers among its open posts, from a
    dataset directory, as :func:`candidate_table` (what ``matcher candidates`` writes).

    Programmes with a policy file (:data:`PROGRAMS_WITH_POLICY`) filter seekers by eligibility
    and carry tiers; ``public_service`` and ``vacancy`` take every seeker. ``progress`` is told
    each stage as it starts.
    """
    step = progress or (lambda _stage: None)
    step("reading the dataset")
    dataset = load_dataset(directory, tables=("seekers", "households", "employers", "posts"))
    seekers = dataset["seekers"]
    step("evaluating eligibility")
    eligibility = (
        program_eligibility(seekers, dataset["households"], program, dataset.reference_date)
        if program in PROGRAMS_WITH_POLICY
        else None
    )
    step("scoring candidate pairs")
    candidates = program_candidates(
        seekers,
        open_posts(dataset["posts"], program),
        dataset.reference_date,
        eligibility=eligibility,
        k=k,
        model=model,
    )
    step("writing reasons" if reasons else "collecting the table")
    table = candidate_table(candidates, importance=importance, reasons=reasons)
    return table, candidates.summary
