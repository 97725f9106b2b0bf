"""Scoring-layer benchmark: candidates, features and calibrated scores at province scale.

Measures, in one run:

1. ``generate_candidates`` for N seekers (default 300,000) against the open welfare and
   grassroots posts (about 4,000 at province scale), K = 50, blocked by city, scored by the
   shipped ranker: wall time per stage and peak resident memory;
2. the fuzzy stage (chunked TF-IDF top-K) against the physical reference, a plain
   ``rapidfuzz.process.cdist(..., scorer=fuzz.ratio, workers=-1)`` over the same strings, city
   by city, as cells per second and their ratio (WRatio on a sample, for scale);
3. the time to compute features for and fit the ranker on up to 500,000 historical pairs.

Usage::

    .venv/bin/python -m benchmarks.bench_scoring --dir DIR        # DIR from `matcher generate`
    .venv/bin/python -m benchmarks.bench_scoring                  # generates province, seed 11

Loading the CSVs is timed separately: the 90 s target covers candidates, features and scores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rich.console import Console
from rich.table import Table

from benchmarks._common import machine_info, peak_rss_mib, timed
from matcher.scoring.features import PreparedPosts, PreparedSeekers


def _fuzzy_reference(
    candidates_seekers: PreparedSeekers,
    candidates_posts: PreparedPosts,
    seeker_rows: npt.NDArray[np.int64],
    post_rows: npt.NDArray[np.int64],
    sample_share: float,
) -> dict[str, float]:
    """rapidfuzz cdist over the same desired-title and post-title strings, per city."""
    cells = 0.0
    seconds = 0.0
    w_cells = 0.0
    w_seconds = 0.0
    rng = np.random.default_rng(0)
    for city in sorted(set(candidates_seekers.city[seeker_rows].tolist())):
        s_rows = seeker_rows[candidates_seekers.city[seeker_rows] == city]
        p_rows = post_rows[candidates_posts.city[post_rows] == city]
        if s_rows.size == 0 or p_rows.size == 0:
            continue
        starts = candidates_seekers.title_start[s_rows]
        lengths = candidates_seekers.title_start[s_rows + 1] - starts
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        title_ids = candidates_seekers.title_id[np.repeat(starts, lengths) + offsets]
        queries = [candidates_seekers.titles[i] for i in title_ids.tolist()]
        choices = [candidates_posts.titles[i] for i in candidates_posts.title_id[p_rows].tolist()]
        start = time.perf_counter()
        process.cdist(queries, choices, scorer=fuzz.ratio, workers=-1, dtype=np.uint8)
        seconds += time.perf_counter() - start
        cells += len(queries) * len(choices)
        sample = [
            queries[i] for i in rng.choice(len(queries), max(1, int(len(queries) * sample_share)))
        ]
        start = time.perf_counter()
        process.cdist(sample, choices, scorer=fuzz.WRatio, workers=-1, dtype=np.uint8)
        w_seconds += time.perf_counter() - start
        w_cells += len(sample) * len(choices)
    return {
        "ratio_cells": cells,
        "ratio_seconds": seconds,
        "wratio_cells": w_cells,
        "wratio_seconds": w_seconds,
    }


def _noisy(title: str, rng: np.random.Generator) -> str:
    """One seeded edit a person might make: drop or swap a character, decorate, add 岗位."""
    chars = list(title)
    edit = int(rng.integers(0, 4))
    if edit == 0 and len(chars) > 2:
        del chars[int(rng.integers(0, len(chars)))]
    elif edit == 1 and len(chars) > 2:
        i = int(rng.integers(0, len(chars) - 1))
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif edit == 2:
        chars = [*"急聘", *chars, *"（双休）"]
    else:
        chars = [*chars, *"岗位"]
    return "".join(chars)


def title_scorers(n_titles: int = 1000, seed: int = 1) -> Table:
    """Top-1 occupation accuracy and time of each scorer on noisy CSCO alias titles."""
    import pandas as pd

    from matcher import reference
    from matcher.scoring.normalize import normalize_title, segment
    from matcher.scoring.topk import tfidf_topk
    from matcher.scoring.vocabulary import Vocabulary

    occupations = reference.occupations()
    occupations = occupations[occupations["level"].astype(str) == "4"]
    entries = [
        (code, text)
        for code, name, aliases in zip(
            occupations["code"], occupations["name"], occupations["aliases"], strict=True
        )
        for text in [name, *str(aliases).split("|")]
        if text
    ]
    frame = pd.DataFrame(entries, columns=["code", "text"])
    frame["norm"] = [normalize_title(t) for t in frame["text"]]
    frame = frame[frame["norm"] != ""].drop_duplicates("norm").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    sample = frame.sample(n_titles, random_state=seed)
    raw = [_noisy(t, rng) for t in sample["text"]]
    queries = [normalize_title(t) for t in raw]
    truth = sample["code"].to_numpy()
    choices = frame["norm"].tolist()
    codes = frame["code"].to_numpy()
    table = Table(
        title=f"Title → CSCO code: {n_titles} noisy alias titles vs {len(choices)} entries"
    )
    for column in ("scorer", "top-1 accuracy", "seconds", "time vs ratio"):
        table.add_column(column, justify="right")
    rows: list[tuple[str, float, float]] = []
    start = time.perf_counter()
    top = tfidf_topk(queries, choices, 1)
    rows.append(
        (
            "TF-IDF char 1-3 (fit + query)",
            float(np.mean(codes[top.target] == truth)),
            time.perf_counter() - start,
        )
    )
    for name, scorer, segmented in (
        ("fuzz.ratio", fuzz.ratio, False),
        ("fuzz.WRatio", fuzz.WRatio, False),
        ("fuzz.token_set_ratio, jieba words", fuzz.token_set_ratio, True),
        ("fuzz.partial_ratio", fuzz.partial_ratio, False),
    ):
        left = [segment(q) for q in queries] if segmented else queries
        right = [segment(c) for c in choices] if segmented else choices
        start = time.perf_counter()
        matrix = process.cdist(left, right, scorer=scorer, workers=1, dtype=np.uint8)
        seconds = time.perf_counter() - start
        rows.append((name, float(np.mean(codes[matrix.argmax(axis=1)] == truth)), seconds))
    vocabulary = Vocabulary.occupations()
    start = time.perf_counter()
    mapping, _ = vocabulary.match(raw, min_score=0)
    rows.append(
        (
            "Vocabulary: TF-IDF shortlist + ratio",
            float(np.mean(mapping["code"].to_numpy() == truth)),
            time.perf_counter() - start,
        )
    )
    ratio_seconds = rows[1][2]
    for name, accuracy, seconds in rows:
        table.add_row(name, f"{accuracy:.3f}", f"{seconds:.2f}", f"{seconds / ratio_seconds:.1f}×")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="dataset directory (default: generate province)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--seekers", type=int, default=300_000)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--train-pairs", type=int, default=500_000)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--wratio-sample", type=float, default=0.01)
    parser.add_argument("--titles-only", action="store_true", help="only the title scorers")
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="OpenMP threads of the ranker's prediction (fitting stays on 1); 1 on a busy machine",
    )
    args = parser.parse_args()

    from matcher.io.load import load_dataset
    from matcher.ranking.estimator import PlacementRanker
    from matcher.ranking.persist import load_model
    from matcher.ranking.train import training_data
    from matcher.scoring.candidates import generate_candidates

    console = Console()
    console.print(f"[bold]bench_scoring[/] — {machine_info()}")
    console.print(title_scorers())
    if args.titles_only:
        return
    directory = args.dir
    if directory is None:
        from matcher.generator import generate_province
        from matcher.generator.output import write_province

        directory = Path(tempfile.mkdtemp(prefix="bench-scoring-"))
        with timed() as generation:
            write_province(generate_province("province", seed=args.seed), directory)
        console.print(f"generated province seed {args.seed} in {generation.seconds:.1f} s")

    with timed() as loading:
        dataset = load_dataset(
            directory, tables=("seekers", "households", "employers", "posts", "placements")
        )
    seekers = dataset["seekers"].head(args.seekers).reset_index(drop=True)
    posts = dataset["posts"]
    program_posts = posts[
        posts["program"].astype(str).isin(["welfare", "grassroots"])
        & (posts["status"].astype(str) == "open")
    ].reset_index(drop=True)
    model, _ = load_model()
    # Prediction only: each row's score is computed independently, so threads do not change it.
    model.set_params(n_threads=args.threads)

    stages: dict[str, float] = {}
    cpu_start = time.process_time()
    with timed() as total:
        result = generate_candidates(
            seekers, program_posts, dataset.reference_date, k=args.k, model=model, timings=stages
        )
    cpu_seconds = time.process_time() - cpu_start
    rss_after_candidates = peak_rss_mib()
    pairs = len(result.pairs)

    seeker_rows = np.arange(len(seekers), dtype=np.int64)
    post_rows = np.arange(len(program_posts), dtype=np.int64)
    reference = _fuzzy_reference(
        result.seekers, result.posts, seeker_rows, post_rows, args.wratio_sample
    )
    tfidf_rate = stages.get("cells", 0.0) / max(stages.get("similarity", 1e-9), 1e-9)
    ratio_rate = reference["ratio_cells"] / max(reference["ratio_seconds"], 1e-9)
    wratio_rate = reference["wratio_cells"] / max(reference["wratio_seconds"], 1e-9)
    del result

    table = Table(title="Candidates, features and calibrated scores (province)")
    for column in ("quantity", "value"):
        table.add_column(column, justify="right" if column == "value" else "left")
    table.add_row(
        "seekers × open welfare+grassroots posts", f"{len(seekers):,} × {len(program_posts):,}"
    )
    table.add_row("K, blocking", f"{args.k}, by city")
    table.add_row("ranker", f"{model.n_iter_} trees, prediction on {args.threads} thread(s)")
    table.add_row("pairs kept", f"{pairs:,}")
    table.add_row("load CSVs (not in target)", f"{loading.seconds:.1f} s")
    for stage in ("prepare", "similarity", "features", "score", "sort"):
        table.add_row(
            f"  stage {stage} (wall / CPU)",
            f"{stages.get(stage, 0.0):.1f} s / {stages.get(stage + '_cpu', 0.0):.1f} s",
        )
    table.add_row(
        "candidates + features + scores", f"[bold]{total.seconds:.1f} s[/] (target < 90 s)"
    )
    table.add_row(
        "  CPU time of this process (all threads)",
        f"{cpu_seconds:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
    )
    table.add_row("peak RSS after candidates", f"{rss_after_candidates:,.0f} MiB (target < 6 GB)")
    console.print(table)

    fuzzy = Table(title="Fuzzy stage vs plain rapidfuzz cdist over the same strings")
    for column in ("method", "cells", "seconds", "cells/s", "ratio to cdist ratio"):
        fuzzy.add_column(column, justify="right")
    fuzzy.add_row(
        "TF-IDF char 1-3 chunked top-K (ours)",
        f"{stages.get('cells', 0.0):,.0f}",
        f"{stages.get('similarity', 0.0):.1f}",
        f"{tfidf_rate:,.0f}",
        f"{tfidf_rate / ratio_rate:.2f}",
    )
    fuzzy.add_row(
        "rapidfuzz cdist fuzz.ratio, workers=-1",
        f"{reference['ratio_cells']:,.0f}",
        f"{reference['ratio_seconds']:.1f}",
        f"{ratio_rate:,.0f}",
        "1.00",
    )
    fuzzy.add_row(
        f"rapidfuzz cdist fuzz.WRatio ({args.wratio_sample:.0%} sample)",
        f"{reference['wratio_cells']:,.0f}",
        f"{reference['wratio_seconds']:.1f}",
        f"{wratio_rate:,.0f}",
        f"{wratio_rate / ratio_rate:.3f}",
    )
    console.print(fuzzy)

    if not args.skip_train:
        tables = {name: dataset[name] for name in ("seekers", "households", "posts", "placements")}
        tables["placements"] = tables["placements"].head(args.train_pairs)
        with timed() as featuring:
            data, _, _ = training_data(tables, dataset.reference_date)
        fit_cpu = time.process_time()
        with timed() as fitting:
            PlacementRanker().fit(data.features, data.labels)
        fit_cpu = time.process_time() - fit_cpu
        train = Table(title="Ranker training on historical pairs")
        for column in ("pairs", "features s", "fit s (wall)", "fit s (CPU)", "positive rate"):
            train.add_column(column, justify="right")
        train.add_row(
            f"{len(data.labels):,}",
            f"{featuring.seconds:.1f}",
            f"{fitting.seconds:.1f}",
            f"{fit_cpu:.1f}",
            f"{data.labels.mean():.3f}",
        )
        console.print(train)
    console.print(f"peak RSS overall: {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
