"""Title-coder benchmark: accuracy on real ad titles by cross-validation, and speed.

1. **Accuracy** (``--accuracy``): ``matcher titles evaluate`` on the shipped labelled real-ad
   titles (``data/real_ad_titles.csv``, the development set of issue 15) with the shipped
   CSCO 2022 vocabulary, 5-fold CV: the coder, the TF-IDF char 1–2-gram nearest-neighbour
   baseline and the linear-SVM char 1–3-gram peer on the same folds, the coder's
   precision–coverage curve, precision and coverage at its default threshold. About 15 minutes
   on a shared 2-core machine (the SVM peer takes half of it).
2. **Speed** (default): 100,000 real-ad-style titles (vocabulary aliases wrapped in employers,
   places, pay slogans and role lists, seeded; most are distinct) coded by the shipped coder,
   against the TF-IDF baseline's time on the same titles.

Usage::

    .venv/bin/python -m benchmarks.bench_titles [--n 100000] [--accuracy]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks._common import machine_info, peak_rss_mib

_EMPLOYERS = ("高唐乐客咖啡店", "鑫翰华科技", "融创服务", "海底捞", "贝壳集团", "顺心捷达")
_PLACES = ("深圳", "菏泽", "抚州", "长治", "沈阳", "大连")
_PAY = ("+5000底薪", "月入过万", "（双休）", "五险一金", "8k", "+提成", "包吃住")


def make_ad_titles(n: int, *, random_state: int = 0) -> list[str]:
    """``n`` real-ad-style titles around the shipped vocabulary's names and aliases."""
    from matcher.scoring.coder_persist import shipped_vocabulary

    vocabulary = shipped_vocabulary()
    names: list[str] = []
    for name, aliases in zip(vocabulary["name"], vocabulary["aliases"], strict=True):
        names.extend(t for t in [str(name).rstrip("LS"), *str(aliases).split("|")] if t)
    rng = np.random.default_rng(random_state)
    role = np.asarray(names, dtype=object)[rng.integers(0, len(names), n)]
    second = np.asarray(names, dtype=object)[rng.integers(0, len(names), n)]
    kind = rng.integers(0, 5, n)
    employer = np.asarray(_EMPLOYERS, dtype=object)[rng.integers(0, len(_EMPLOYERS), n)]
    place = np.asarray(_PLACES, dtype=object)[rng.integers(0, len(_PLACES), n)]
    pay = np.asarray(_PAY, dtype=object)[rng.integers(0, len(_PAY), n)]
    number = rng.integers(1, 100, n).astype(str)
    titles = []
    for i in range(n):
        k = int(kind[i])
        if k == 0:
            titles.append(f"{employer[i]}招聘{role[i]}")
        elif k == 1:
            titles.append(f"{role[i]}{pay[i]}")
        elif k == 2:
            titles.append(f"{role[i]}（{place[i]}）{number[i]}")
        elif k == 3:
            titles.append(f"{role[i]}，{second[i]}")
        else:
            titles.append(f"{place[i]}{role[i]}{number[i]}")
    return titles


def run_speed(n: int, console: Console) -> None:
    from matcher.scoring.coder_eval import tfidf_baseline
    from matcher.scoring.coder_persist import load_coder, shipped_vocabulary

    titles = make_ad_titles(n)
    distinct = len(set(titles))
    start = time.perf_counter()
    coder = load_coder()
    coder.code(["预热"])  # jieba's dictionary and the place list load once per process
    load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    cpu = time.process_time()
    result = coder.code(titles)
    coder_seconds = time.perf_counter() - start
    coder_cpu = time.process_time() - cpu
    start = time.perf_counter()
    cpu = time.process_time()
    baseline = tfidf_baseline(shipped_vocabulary())
    baseline_codes = baseline(titles)
    baseline_seconds = time.perf_counter() - start
    baseline_cpu = time.process_time() - cpu
    table = Table(title=f"Coding {n:,} real-ad-style titles ({distinct:,} distinct)")
    for column in ("method", "seconds (wall)", "seconds (CPU)", "titles / s (wall)"):
        table.add_column(column, justify="right" if column != "method" else "left")
    table.add_row(
        "coder (shipped)", f"{coder_seconds:.1f}", f"{coder_cpu:.1f}", f"{n / coder_seconds:,.0f}"
    )
    table.add_row(
        "TF-IDF baseline (fit + predict)",
        f"{baseline_seconds:.1f}",
        f"{baseline_cpu:.1f}",
        f"{n / baseline_seconds:,.0f}",
    )
    console.print(table)
    coded = float((result.scores[:, 0] >= coder.threshold_).mean())
    console.print(
        f"loading the model and dictionaries {load_seconds:.1f} s "
        f"(not included); {coded:.1%} coded at the default threshold "
        f"{coder.threshold_:.3f}; baseline answered {len(baseline_codes):,}; "
        f"peak RSS {peak_rss_mib():,.0f} MiB",
        highlight=False,
    )


def run_accuracy(console: Console) -> None:
    from matcher.scoring.coder_eval import evaluate_coder
    from matcher.scoring.coder_persist import shipped_labelled_titles, shipped_vocabulary

    labelled = shipped_labelled_titles()
    evaluation = evaluate_coder(
        labelled["title"].tolist(),
        labelled["code"].tolist(),
        shipped_vocabulary(),
        folds=5,
        progress=lambda message: console.print(message, highlight=False),
    )
    from matcher.cli.scoring import _print_evaluation

    _print_evaluation(evaluation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="titles to code for speed")
    parser.add_argument("--accuracy", action="store_true", help="also run the 5-fold CV")
    args = parser.parse_args()
    console = Console()
    console.print(machine_info(), highlight=False)
    run_speed(args.n, console)
    if args.accuracy:
        run_accuracy(console)


if __name__ == "__main__":
    main()
