"""Candidate generation: hard filters, blocking by city, chunked similarity top-K, features and
calibrated scores.

The pipeline per city: the program's eligible seekers in the city and its open posts; the
pairs that pass the hard filters (education, age range) as a boolean mask computed one chunk of
seekers at a time; the K posts with the most similar title per seeker (TF-IDF character
n-grams, best over the seeker's desired titles); then pair features and, when a model is given,
the calibrated probability. Nothing holds a dense seekers × posts matrix: memory is bounded by
the chunk size and the number of kept pairs.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from matcher.scoring.features import (
    BEST_TITLE,
    FEATURE_NAMES,
    PreparedPosts,
    PreparedSeekers,
    TitleScorer,
    pair_features,
    prepare_posts,
    prepare_seekers,
    tier_feature,
)
from matcher.scoring.normalize import normalize_title, title_script
from matcher.scoring.topk import DEFAULT_CHUNK_CELLS, chunked_topk

CandidateProgram = Literal["welfare", "grassroots", "internship", "public_service", "vacancy"]
# Programs whose seekers must pass an eligibility policy (data/policies/<program>.toml).
PROGRAMS_WITH_POLICY: tuple[str, ...] = ("welfare", "grassroots", "internship")
#: Candidate posts kept per seeker by the demo, ``matcher candidates`` and the benchmarks. The
#: weekly runs keep 30 (``RunConfig.program_k``, part of each run's configuration hash). 30
#: instead of 50 places fewer tier-1 seekers (welfare -0.8 % at province, -0.4 % at city;
#: grassroots -2.1 % and -7.7 %), so the two are not made one (benchmarks/RESULTS.md).
DEFAULT_K = 50
_SCORE_ROWS = 500_000


class PairScorer(Protocol):
    """Anything that turns a feature frame into probabilities (the fitted ranker)."""

    def score_pairs(self, X: pd.DataFrame) -> npt.NDArray[np.float64]: ...


@dataclass
class CandidateSummary:
    """What happened on the way, for the CLI summary and reports."""

    seekers: int = 0
    eligible_seekers: int = 0
    seekers_with_candidates: int = 0
    posts: int = 0
    pairs: int = 0
    seekers_without_titles: int = 0
    unknown_skills: int = 0
    title_scripts: Counter[str] = field(default_factory=Counter)


@dataclass
class Candidates:
    """Top-K scored pairs with the prepared sides they index into.

    ``pairs`` has ``seeker`` and ``post`` (row numbers into ``seekers`` / ``posts``),
    ``similarity`` (the retrieval score), ``score`` (calibrated probability, or the similarity
    when no model was given), ``rank`` (1 = best of the seeker) and the :data:`FEATURE_NAMES`
    columns; ordered by city block, then seeker, then rank.
    """

    pairs: pd.DataFrame
    seekers: PreparedSeekers
    posts: PreparedPosts
    summary: CandidateSummary

    def seeker_ids(self) -> npt.NDArray[np.object_]:
        """The ``seeker_id`` of every pair, aligned with :attr:`pairs`."""
        return self.seekers.seeker_id[self.pairs["seeker"].to_numpy()]

    def post_ids(self) -> npt.NDArray[np.object_]:
        """The ``post_id`` of every pair, aligned with :attr:`pairs`."""
        return self.posts.post_id[self.pairs["post"].to_numpy()]

    def scored(self) -> pd.DataFrame:
        """The pairs by id: ``seeker_id``, ``post_id``, ``score`` — what allocation reads."""
        return pd.DataFrame(
            {
                "seeker_id": self.seeker_ids(),
                "post_id": self.post_ids(),
                # float64 even when there are no pairs (empty columns default to float32).
                "score": self.pairs["score"].to_numpy(dtype=np.float64),
            }
        )

    def keep(self, rows: npt.NDArray[np.bool_]) -> Candidates:
        """The same candidates with only the pairs where ``rows`` is true."""
        return replace(self, pairs=self.pairs.loc[rows].reset_index(drop=True))

    def positions(
        self, seeker_ids: npt.ArrayLike, post_ids: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        """Row of each (seeker id, post id) in :attr:`pairs`; -1 where it is not a candidate."""
        seeker_row = pd.Index(self.seekers.seeker_id).get_indexer(pd.Index(np.asarray(seeker_ids)))
        post_row = pd.Index(self.posts.post_id).get_indexer(pd.Index(np.asarray(post_ids)))
        n_posts = max(len(self.posts.post_id), 1)
        pair_key = self.pairs["seeker"].to_numpy(np.int64) * n_posts + self.pairs["post"].to_numpy(
            np.int64
        )
        wanted = np.where(
            (seeker_row >= 0) & (post_row >= 0),
            seeker_row.astype(np.int64) * n_posts + post_row,
            -1,
        )
        found = pd.Index(pair_key).get_indexer(wanted)
        return np.where(wanted >= 0, found, -1).astype(np.int64)


def _hard_filter(
    seekers: PreparedSeekers,
    posts: PreparedPosts,
    seeker_rows: npt.NDArray[np.int64],
    post_rows: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Pairs a post accepts: education at least the minimum, age within the range."""
    education = seekers.education_rank[seeker_rows][:, None]
    age = seekers.age[seeker_rows][:, None]
    min_education = posts.min_education_rank[post_rows][None, :]
    min_age = posts.min_age[post_rows][None, :]
    max_age = posts.max_age[post_rows][None, :]
    # NaN limits mean "no limit"; comparisons with NaN are False, so test for them explicitly.
    ok = ~(education < min_education)
    ok &= np.isnan(min_age) | ~(age < min_age)
    ok &= np.isnan(max_age) | ~(age > max_age)
    return np.asarray(ok, dtype=bool)


def generate_candidates(
    seekers: pd.DataFrame,
    posts: pd.DataFrame,
    reference_date: date,
    *,
    k: int = DEFAULT_K,
    eligibility: pd.DataFrame | None = None,
    model: PairScorer | None = None,
    chunk_cells: int = DEFAULT_CHUNK_CELLS,
    prepared: tuple[PreparedSeekers, PreparedPosts] | None = None,
    timings: dict[str, float] | None = None,
) -> Candidates:
    """Top-``k`` posts per seeker, blocked by city, with features and scores.

    Parameters
    ----------
    seekers, posts : DataFrame
        Validated tables; ``posts`` already restricted to the program's open posts.
    reference_date : date
        Ages and unemployment durations are computed on this day.
    k : int
        Posts kept per seeker.
    eligibility : DataFrame, optional
        The eligibility engine's output (``seeker_id``, ``eligible``, ``tier``); ineligible
        seekers get no candidates. ``None``: everyone is eligible, no tier.
    model : PairScorer, optional
        Scores the pairs; without one ``score`` is the title similarity.
    chunk_cells : int
        Memory bound of one similarity block (rows × posts).
    prepared : (PreparedSeekers, PreparedPosts), optional
        Reuse already-prepared sides (the frames must be the same).
    timings : dict, optional
        If given, seconds spent per stage are added to it (``prepare``, ``similarity``,
        ``features``, ``score``, ``sort``; wall time, and CPU time of the process under
        ``<stage>_cpu``; ``cells`` counts similarity cells computed), for benchmarks.

    Returns
    -------
    Candidates
    """
    if k < 1:
        raise ValueError(f"The 'k' parameter of generate_candidates must be >= 1. Got {k!r}.")
    clock = timings if timings is not None else {}

    cpu_since = time.process_time()

    def spent(stage: str, since: float) -> float:
        # Wall and CPU seconds per stage: on a shared machine the wall time depends on the
        # other jobs, the CPU time (all threads of this process) does not.
        nonlocal cpu_since
        now, cpu_now = time.perf_counter(), time.process_time()
        clock[stage] = clock.get(stage, 0.0) + now - since
        clock[f"{stage}_cpu"] = clock.get(f"{stage}_cpu", 0.0) + cpu_now - cpu_since
        cpu_since = cpu_now
        return now

    started = time.perf_counter()
    summary = CandidateSummary(seekers=len(seekers), posts=len(posts))
    tier = None
    eligible = np.ones(len(seekers), dtype=bool)
    if eligibility is not None:
        table = eligibility.set_index("seeker_id")
        ids = seekers["seeker_id"].astype(str)
        eligible = (
            table["eligible"].reindex(ids).astype("boolean").fillna(False).to_numpy(dtype=bool)
        )
        tier = table["tier"].reindex(ids).reset_index(drop=True)
    summary.eligible_seekers = int(eligible.sum())
    if prepared is None:
        seeker_side = prepare_seekers(seekers, reference_date, tier=tier)
        post_side = prepare_posts(posts)
    else:
        seeker_side, post_side = prepared
        if tier is not None:
            # A prepared side is shared between programs; the tier is this program's.
            seeker_side = replace(seeker_side, tier=tier_feature(tier, len(seekers)))
    summary.unknown_skills = seeker_side.unknown_skills
    # Count raw titles first, classify each distinct one once: titles repeat by the thousand.
    raw_titles: Counter[str] = Counter()
    for cell in seekers["desired_titles"].tolist():
        raw_titles.update(str(cell).split("|") if isinstance(cell, str) else [""])
    for raw_title, times in raw_titles.items():
        summary.title_scripts[title_script(normalize_title(raw_title))] += times
    counts = np.diff(seeker_side.title_start)
    summary.seekers_without_titles = int(((counts == 0) & eligible).sum())
    scorer = TitleScorer(seeker_side, post_side)
    started = spent("prepare", started)

    columns: dict[str, list[npt.NDArray[np.generic]]] = {
        name: []
        for name in ("seeker", "post", "similarity", "score", "rank", *FEATURE_NAMES, BEST_TITLE)
    }
    for city in sorted(set(seeker_side.city[eligible].tolist()) & set(post_side.city.tolist())):
        seeker_rows = np.flatnonzero(eligible & (seeker_side.city == city)).astype(np.int64)
        post_rows = np.flatnonzero(post_side.city == city).astype(np.int64)
        # Query rows: every desired title of every seeker of the block, grouped by seeker.
        starts = seeker_side.title_start[seeker_rows]
        lengths = seeker_side.title_start[seeker_rows + 1] - starts
        groups = np.repeat(np.arange(seeker_rows.size), lengths)
        offsets = np.arange(groups.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        title_rows = seeker_side.title_id[np.repeat(starts, lengths) + offsets]
        queries = scorer.seeker_matrix[title_rows]
        targets = scorer.post_matrix[post_side.title_id[post_rows]]

        def allowed(
            start: int,
            stop: int,
            seeker_rows: npt.NDArray[np.int64] = seeker_rows,
            post_rows: npt.NDArray[np.int64] = post_rows,
        ) -> npt.NDArray[np.bool_]:
            return _hard_filter(seeker_side, post_side, seeker_rows[start:stop], post_rows)

        top = chunked_topk(
            queries,
            targets,
            k,
            row_groups=groups,
            allowed=allowed,
            score_cutoff=0.0,
            chunk_cells=chunk_cells,
            missing_score=0.0,  # seekers with no desired title still get candidates
        )
        clock["cells"] = clock.get("cells", 0.0) + float(queries.shape[0] * post_rows.size)
        started = spent("similarity", started)
        seeker_index = seeker_rows[top.query]
        post_index = post_rows[top.target]
        features = pair_features(
            seeker_side, post_side, seeker_index, post_index, title_scorer=scorer
        )
        started = spent("features", started)
        score = np.empty(len(features), dtype=np.float64)
        for low in range(0, len(features), _SCORE_ROWS):
            # Scored in slices: the model converts its input to float64, and 15 million rows
            # at once would cost gigabytes for nothing.
            block = features.iloc[low : low + _SCORE_ROWS]
            score[low : low + len(block)] = (
                model.score_pairs(block.loc[:, list(FEATURE_NAMES)])
                if model is not None
                else top.score[low : low + len(block)]
            )
        score = np.round(score, 6)
        started = spent("score", started)
        # Best first within each seeker; ties by post order so the output is deterministic.
        order = np.lexsort((post_index, -score, seeker_index))
        sorted_seekers = seeker_index[order]
        first = np.r_[0, np.flatnonzero(np.diff(sorted_seekers)) + 1]
        sizes = np.diff(np.r_[first, sorted_seekers.size])
        rank = np.arange(sorted_seekers.size) - np.repeat(first, sizes) + 1
        columns["seeker"].append(sorted_seekers)
        columns["post"].append(post_index[order])
        columns["similarity"].append(top.score[order])
        columns["score"].append(score[order])
        columns["rank"].append(rank.astype(np.int32))
        for name in (*FEATURE_NAMES, BEST_TITLE):
            columns[name].append(features[name].to_numpy()[order])
        del features
        started = spent("sort", started)

    empty_types = {"seeker": np.int64, "post": np.int64, "rank": np.int32, BEST_TITLE: np.int64}
    merged: dict[str, npt.NDArray[np.generic]] = {}
    for name in list(columns):
        # One column at a time, releasing its parts, so peak memory is one copy plus a column.
        parts = columns.pop(name)
        merged[name] = (
            np.concatenate(parts) if parts else np.empty(0, dtype=empty_types.get(name, np.float32))
        )
        del parts
    pairs = pd.DataFrame(merged, copy=False)
    summary.pairs = len(pairs)
    summary.seekers_with_candidates = int(pairs["seeker"].nunique())
    return Candidates(pairs, seeker_side, post_side, summary)
