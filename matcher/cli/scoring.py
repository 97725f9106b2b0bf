"""Scoring commands: ``titles`` (map titles to occupation codes), ``candidates`` (top-K scored
pairs) and the ``ranker`` sub-app (``train``, ``evaluate``). Thin: every command calls library
functions and prints; nothing here decides anything."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from matcher.cli.output import stderr, stdout
from matcher.errors import DataValidationError, MatcherError, Problem

console = stderr
out_console = stdout

ranker_app = typer.Typer(
    help="Train and evaluate the placement ranker.", no_args_is_help=True, add_completion=False
)


class ProgramChoice(StrEnum):
    welfare = "welfare"
    grassroots = "grassroots"
    internship = "internship"
    public_service = "public_service"
    vacancies = "vacancies"
    training = "training"


titles_app = typer.Typer(
    help="Code free-text job titles to CSCO 2022 occupations; `evaluate` measures the coder.",
    invoke_without_command=True,
    add_completion=False,
)


def _vocabulary_table(vocabulary: Path | None) -> pd.DataFrame:
    """The given vocabulary file (its warnings printed), else the shipped CSCO 2022 one."""
    from matcher.scoring.coder_persist import shipped_vocabulary
    from matcher.scoring.vocabulary import Vocabulary

    if vocabulary is None:
        return shipped_vocabulary()
    index = Vocabulary.from_csv(vocabulary)
    _print_problems(index.warnings, f"warning(s) in {vocabulary}")
    return index.frame


def _read_titles(path: Path) -> list[str]:
    from matcher.scoring.title_input import read_csv_utf8

    frame = read_csv_utf8(path)
    if "title" not in frame.columns:
        raise DataValidationError(
            [Problem(str(path), None, "title", None, "required column is missing")]
        )
    return frame["title"].tolist()


def _print_problems(problems: list[Problem], what: str, limit: int = 20) -> None:
    if not problems:
        return
    console.print(f"{len(problems)} {what}:", highlight=False)
    for problem in problems[:limit]:
        console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    if len(problems) > limit:
        console.print(f"  … and {len(problems) - limit} more", highlight=False)


def _load_coder(
    vocabulary: Path | None, labelled: Path | None, model: Path | None
) -> tuple[Any, pd.DataFrame]:
    """The coder to use and its vocabulary: the shipped one, refitted with extra labelled titles
    when given, answering another vocabulary's codes when given."""
    from matcher.scoring.coder import TitleCoder
    from matcher.scoring.coder_persist import (
        DEFAULT_CODER_PATH,
        load_coder,
        read_labelled,
        shipped_labelled_titles,
    )

    table = _vocabulary_table(vocabulary)
    if labelled is not None:
        extra = read_labelled(labelled)
        shipped = shipped_labelled_titles()
        console.print(
            f"fitting the coder on {len(shipped):,} shipped and {len(extra):,} given labelled "
            "titles …",
            highlight=False,
        )
        coder = TitleCoder().fit(
            [*shipped["title"], *extra["title"]],
            [*shipped["code"], *extra["code"]],
            vocabulary=table,
        )
        return coder, table
    coder = load_coder(model or DEFAULT_CODER_PATH)
    if vocabulary is not None:
        coder = coder.with_vocabulary(table)
    return coder, table


@titles_app.callback()
def titles(
    ctx: typer.Context,
    titles_file: Annotated[
        Path | None, typer.Option("--titles", help="CSV with a 'title' column.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output CSV.")] = None,
    vocabulary: Annotated[
        Path | None,
        typer.Option(
            "--vocabulary",
            help="CSV with code, name, aliases (|-separated) [, level]; default: the shipped "
            "CSCO 2022 vocabulary.",
        ),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, help="Return the K best codes per title, with a rank."),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            min=0,
            max=1,
            help="Calibrated probability below which a title stays free text (default: the "
            "model's threshold, chosen for precision >= 0.85).",
        ),
    ] = None,
    review: Annotated[
        Path | None,
        typer.Option("--review", help="Write the titles left as free text here, to be coded."),
    ] = None,
    labelled: Annotated[
        Path | None,
        typer.Option(
            "--labelled",
            help="Extra labelled titles (title, code; e.g. a filled review file): the coder is "
            "refitted with them.",
        ),
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="Coder file (default: the shipped model).")
    ] = None,
) -> None:
    """Code free-text job titles (real recruitment-ad titles) to CSCO 2022 occupations.

    Writes, for each input title in input order: title, code, name, score (calibrated
    probability that the code is right) [, rank with --top], group_code, group_name,
    group_score. Below the threshold a title keeps an empty code; when its minor or middle
    group is probable enough, that group is given as the back-off answer.
    """
    if ctx.invoked_subcommand is not None:
        return
    if titles_file is None or out is None:
        raise MatcherError("`matcher titles` needs --titles T.csv and --out O.csv")
    from matcher.io.atomic import write_table
    from matcher.scoring.coder_output import coded_table, review_table
    from matcher.scoring.title_input import title_problems

    raw = _read_titles(titles_file)
    coder, _ = _load_coder(vocabulary, labelled, model)
    threshold = coder.threshold_ if min_score is None else min_score
    result = coder.code(raw, top=top or 1)
    table = coded_table(coder, raw, result, threshold=threshold, top=top)
    write_table(table, out)
    _print_problems(title_problems(raw, str(titles_file)), "title(s) that cannot be coded well")
    coded = int((result.scores[:, 0] >= threshold).sum())
    backed = int((result.group_codes != "").sum())
    message = (
        f"{len(raw)} titles: {coded} coded at score >= {threshold:.2f}, {len(raw) - coded} "
        f"left as free text ({backed} of them with a back-off group) → {out}"
    )
    if review is not None:
        below = review_table(coder, raw, result, threshold=threshold)
        write_table(below, review)
        message += (
            f"; {len(below)} to review → {review} (fill in 'code', feed back with --labelled)"
        )
    console.print(message, highlight=False)


@titles_app.command("evaluate")
def titles_evaluate(
    labelled: Annotated[
        Path, typer.Option("--labelled", help="CSV with title, code (coarse codes allowed).")
    ],
    vocabulary: Annotated[
        Path | None,
        typer.Option("--vocabulary", help="Vocabulary CSV (default: the shipped CSCO 2022)."),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
    peers: Annotated[
        bool, typer.Option("--peers/--no-peers", help="Also run the TF-IDF and SVM peers.")
    ] = True,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the folds.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Cross-validate the coder on labelled titles beside the TF-IDF baseline and the SVM peer.

    Every title is scored by models fitted on the other folds only; the coder's calibration and
    threshold come from a cross-validation inside the training folds. A code is right when it
    lies under the labelled code.
    """
    from matcher.scoring.coder_eval import evaluate_coder
    from matcher.scoring.coder_persist import read_labelled

    table = _vocabulary_table(vocabulary)
    frame = read_labelled(labelled)
    evaluation = evaluate_coder(
        frame["title"].tolist(),
        frame["code"].tolist(),
        table,
        folds=folds,
        peers=peers,
        random_state=seed,
        progress=lambda message: console.print(message, highlight=False),
    )
    if as_json:
        typer.echo(json.dumps(_evaluation_json(evaluation), ensure_ascii=False))
        return
    _print_evaluation(evaluation)


def _evaluation_json(evaluation: Any) -> dict[str, Any]:
    return {
        "titles": evaluation.titles,
        "folds": evaluation.folds,
        "top1": {k: round(v, 4) for k, v in evaluation.top1.items()},
        "seconds": {k: round(v, 1) for k, v in evaluation.seconds.items()},
        "threshold_precision": round(evaluation.threshold_precision, 4),
        "threshold_coverage": round(evaluation.threshold_coverage, 4),
        "thresholds": [round(t, 4) for t in evaluation.thresholds],
        "curve": evaluation.curve.round(4).to_dict(orient="records"),
        "back_off": evaluation.back_off,
    }


def _print_evaluation(evaluation: Any) -> None:
    coder = evaluation.top1["coder"]
    table = Table(
        title=f"Top-1 at full coverage, {evaluation.folds}-fold CV on {evaluation.titles:,} titles"
    )
    for column in ("method", "top-1", "coder / method", "seconds (all folds)"):
        table.add_column(column, justify="right" if column != "method" else "left")
    for method, value in evaluation.top1.items():
        ratio = "" if method == "coder" or value == 0 else f"{coder / value:.2f}×"
        table.add_row(method, f"{value:.3f}", ratio, f"{evaluation.seconds[method]:.1f}")
    out_console.print(table)
    curve = Table(title="Coder: precision–coverage (most confident titles first)")
    for column in ("coverage", "score ≥", "precision"):
        curve.add_column(column, justify="right")
    for _, row in evaluation.curve.iterrows():
        curve.add_row(
            f"{row['coverage']:.0%}", f"{row['threshold']:.3f}", f"{row['precision']:.3f}"
        )
    out_console.print(curve)
    reliability = Table(title="Coder: reliability of the calibrated score (out-of-fold)")
    for column in ("score", "titles", "mean score", "precision"):
        reliability.add_column(column, justify="right")
    for _, row in evaluation.reliability.iterrows():
        reliability.add_row(
            str(row["bin"]),
            str(row["titles"]),
            "" if pd.isna(row["mean_score"]) else f"{row['mean_score']:.3f}",
            "" if pd.isna(row["precision"]) else f"{row['precision']:.3f}",
        )
    out_console.print(reliability)
    thresholds = ", ".join(f"{t:.3f}" for t in evaluation.thresholds)
    out_console.print(
        f"At the default threshold (chosen inside each training fold: {thresholds}): precision "
        f"{evaluation.threshold_precision:.3f}, coverage {evaluation.threshold_coverage:.3f}. "
        f"Back-off groups for {evaluation.back_off['titles']} titles below the threshold "
        f"(label and group on one branch: {evaluation.back_off['consistent']:.3f}).",
        highlight=False,
    )


def candidates(
    directory: Annotated[Path, typer.Argument(help="Dataset directory (seekers, posts, …).")],
    program: Annotated[ProgramChoice, typer.Option("--program", help="Which posts to match.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV (or .parquet, .xlsx).")],
    k: Annotated[int, typer.Option("--k", min=1, help="Candidates kept per seeker.")] = 50,
    model: Annotated[
        Path | None, typer.Option("--model", help="Ranker file (default: the shipped model).")
    ] = None,
    reasons: Annotated[
        bool, typer.Option("--reasons/--no-reasons", help="Add reasons in Chinese and English.")
    ] = True,
    posts_out: Annotated[
        Path | None,
        typer.Option(
            "--posts-out",
            help="Also write the programme's open posts the candidates were made over (post_id, "
            "capacity = places left, city): the --posts file of `matcher allocate` and "
            "`matcher fairness`.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object.")
    ] = False,
) -> None:
    """Top-K scored candidate posts per eligible seeker, with features and reasons.

    Writes seeker_id, post_id, score (calibrated probability that the placement works), rank,
    similarity, the pair features and reasons; the file feeds `matcher allocate --candidates`.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from matcher.io.atomic import write_table
    from matcher.programs.candidates import candidates_for_dir
    from matcher.ranking.persist import DEFAULT_MODEL_PATH, load_model

    if program is ProgramChoice.training:
        raise typer.BadParameter(
            "candidates for training sessions are not produced here: the ranker predicts "
            "placements in posts, and sessions are scored by the training allocation "
            "(matcher training allocate); use welfare, grassroots, internship, public_service "
            "or vacancies",
            param_hint="--program",
        )
    name = "vacancy" if program is ProgramChoice.vacancies else program.value
    with Progress(
        SpinnerColumn(),
        TextColumn("candidates for {task.fields[program]}: {task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("loading the ranker", total=None, program=name)
        ranker, card = load_model(model or DEFAULT_MODEL_PATH)
        table, summary = candidates_for_dir(
            directory,
            name,
            k=k,
            model=ranker,
            importance=card.get("importance"),
            reasons=reasons,
            progress=lambda stage: progress.update(task, description=stage),
        )
        progress.update(task, description=f"writing {out}")
        write_table(table, out)
        if posts_out is not None:
            from matcher.io.load import load_dataset
            from matcher.programs.posts import allocation_posts, open_posts

            posts = load_dataset(directory, tables=("posts",))["posts"]
            write_table(allocation_posts(open_posts(posts, name)), posts_out)
    scripts = dict(sorted(summary.title_scripts.items()))
    figures = {
        "program": name,
        "pairs": summary.pairs,
        "seekers": summary.seekers,
        "eligible_seekers": summary.eligible_seekers,
        "seekers_with_candidates": summary.seekers_with_candidates,
        "posts": summary.posts,
        "desired_titles_by_script": scripts,
        "seekers_without_titles": summary.seekers_without_titles,
        "unknown_skills": summary.unknown_skills,
        "out": str(out),
        "posts_out": None if posts_out is None else str(posts_out),
    }
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
        return
    console.print(
        f"{summary.pairs:,} candidate pairs for {summary.seekers_with_candidates:,} of "
        f"{summary.eligible_seekers:,} eligible seekers ({summary.seekers:,} registered) over "
        f"{summary.posts:,} open {name} posts → {out}"
        + ("" if posts_out is None else f"; open posts → {posts_out}"),
        highlight=False,
    )
    odd = sum(n for key, n in scripts.items() if key in ("empty", "other"))
    console.print(
        "desired titles by script: "
        + ", ".join(f"{key} {n:,}" for key, n in scripts.items())
        + f"; seekers without a title: {summary.seekers_without_titles:,}; unknown skills: "
        f"{summary.unknown_skills:,}" + (f"; unusable titles: {odd:,}" if odd else ""),
        highlight=False,
    )


@ranker_app.command("train")
def ranker_train(
    directory: Annotated[Path, typer.Argument(help="Dataset with historical placements.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Model file (default: models/ranker.joblib).")
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Evaluate on held-out seekers.")
    ] = True,
    max_eval_seekers: Annotated[int, typer.Option("--max-eval-seekers", min=100)] = 5000,
    card: Annotated[
        Path | None, typer.Option("--card", help="Also write the model card as Markdown here.")
    ] = None,
    max_iter: Annotated[int, typer.Option("--max-iter", min=1, help="Boosting iterations.")] = 300,
) -> None:
    """Train the ranker on historical placements (grouped split by seeker) and save it with
    its model card."""
    from matcher.io.atomic import atomic_open
    from matcher.ranking.persist import DEFAULT_MODEL_PATH, render_model_card, save_model
    from matcher.ranking.train import train_from_dir

    result = train_from_dir(
        directory,
        evaluate=evaluate,
        max_eval_seekers=max_eval_seekers,
        parameters={"max_iter": max_iter},
    )
    target = save_model(result.model, result.card, out or DEFAULT_MODEL_PATH)
    if card is not None:
        with atomic_open(card) as handle:
            handle.write(render_model_card({**result.card, "features": list(_features())}))
    data = result.card["training_data"]
    console.print(
        f"trained on {data['training_pairs']:,} referrals of {data['training_seekers']:,} "
        f"seekers (held-out history AUC {data['held_out_history_auc']}) → {target}",
        highlight=False,
    )
    if result.evaluation is not None:
        _print_metrics(result.evaluation.metrics, result.card.get("evaluation_protocol", ""))


@ranker_app.command("evaluate")
def ranker_evaluate(
    directory: Annotated[Path, typer.Argument(help="A `matcher generate` output directory.")],
    model: Annotated[Path | None, typer.Option("--model", help="Ranker file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    max_eval_seekers: Annotated[int, typer.Option("--max-eval-seekers", min=100)] = 5000,
) -> None:
    """Evaluate random, fuzzy, ranker and oracle on held-out seekers: NDCG@10, recall@10, MAP,
    ROC AUC, Brier score (and the ranker's calibration table)."""
    from matcher.ranking.persist import DEFAULT_MODEL_PATH, load_model
    from matcher.ranking.train import evaluate_model, load_tables

    ranker, card = load_model(model or DEFAULT_MODEL_PATH)
    tables, reference_date = load_tables(directory)
    split = card.get("split", {})
    evaluation = evaluate_model(
        directory,
        tables,
        reference_date,
        ranker,
        fuzzy_feature=str(card.get("fuzzy_feature", "title_ratio")),
        test_share=float(split.get("test_share", 0.25)),
        split_seed=int(split.get("seed", 0)),
        max_seekers=max_eval_seekers,
    )
    if as_json:
        rounded = {
            method: {name: round(value, 6) for name, value in metrics.items()}
            for method, metrics in evaluation.metrics.items()
        }
        typer.echo(json.dumps(rounded, ensure_ascii=False))
        return
    protocol = (
        f"{evaluation.seekers} held-out seekers, {evaluation.pairs} pairs, positive rate "
        f"{evaluation.positive_rate:.3f}, fuzzy = {evaluation.fuzzy_feature}"
    )
    _print_metrics(evaluation.metrics, protocol)
    table = Table(title="Ranker calibration (held-out seekers)")
    for column in ("predicted", "pairs", "mean predicted", "observed"):
        table.add_column(column, justify="right")
    for _, row in evaluation.calibration.iterrows():
        table.add_row(
            str(row["range"]),
            f"{int(row['pairs']):,}",
            "" if pd.isna(row["mean_predicted"]) else f"{row['mean_predicted']:.3f}",
            "" if pd.isna(row["observed"]) else f"{row['observed']:.3f}",
        )
    out_console.print(table)


def _features() -> tuple[str, ...]:
    from matcher.scoring.features import FEATURE_NAMES

    return FEATURE_NAMES


def _print_metrics(metrics: dict[str, dict[str, Any]], caption: str) -> None:
    table = Table(title="Held-out evaluation", caption=caption)
    table.add_column("method")
    names = ("ndcg@10", "recall@10", "map", "auc", "brier")
    for name in names:
        table.add_column(name, justify="right")
    for method, values in metrics.items():
        table.add_row(method, *(f"{values[name]:.4f}" for name in names))
    out_console.print(table)


def register(app: typer.Typer) -> None:
    """Add the scoring commands to the ``matcher`` app."""
    app.add_typer(titles_app, name="titles")
    app.command("candidates")(candidates)
    app.add_typer(ranker_app, name="ranker")
