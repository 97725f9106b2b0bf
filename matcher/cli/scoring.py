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
from rich.console import Console
from rich.table import Table

from matcher.errors import DataValidationError, MatcherError, Problem

console = Console(stderr=True)
out_console = Console()

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


def _read_titles(path: Path) -> list[str]:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataValidationError(
            [Problem(str(path), None, None, None, f"cannot read CSV: {error}")]
        ) from error
    if "title" not in frame.columns:
        raise DataValidationError(
            [Problem(str(path), None, "title", None, "required column is missing")]
        )
    return frame["title"].tolist()


def titles(
    vocabulary: Annotated[
        Path, typer.Option("--vocabulary", help="CSV with code, name, aliases (|-separated).")
    ],
    titles_file: Annotated[Path, typer.Option("--titles", help="CSV with a 'title' column.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV.")],
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, help="Return the K best codes per title, with a rank."),
    ] = None,
    min_score: Annotated[
        float,
        typer.Option("--min-score", min=0, max=100, help="Below this a title stays free text."),
    ] = 60.0,
) -> None:
    """Map free-text job titles to occupation codes.

    Writes, for each input title in input order: title, code, name, score (0-100) and, with
    --top, rank. Titles with no code scoring at least --min-score keep an empty code.
    """
    from matcher.io.atomic import write_table
    from matcher.scoring.vocabulary import Vocabulary

    index = Vocabulary.from_csv(vocabulary)
    mapping, summary = index.match(_read_titles(titles_file), top=top or 1, min_score=min_score)
    if top is None:
        mapping = mapping.drop(columns="rank")
    write_table(mapping, out)
    scripts = ", ".join(f"{name} {count}" for name, count in sorted(summary.by_script.items()))
    console.print(
        f"{summary.titles} titles: {summary.mapped} mapped, {summary.unknown} left as free text "
        f"({scripts}; {summary.truncated} truncated) → {out}",
        highlight=False,
    )


def candidates(
    directory: Annotated[Path, typer.Argument(help="Dataset directory (seekers, posts, …).")],
    program: Annotated[ProgramChoice, typer.Option("--program", help="Which posts to match.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV (or .parquet).")],
    k: Annotated[int, typer.Option("--k", min=1, help="Candidates kept per seeker.")] = 50,
    model: Annotated[
        Path | None, typer.Option("--model", help="Ranker file (default: the shipped model).")
    ] = None,
    reasons: Annotated[
        bool, typer.Option("--reasons/--no-reasons", help="Add reasons in Chinese and English.")
    ] = True,
) -> None:
    """Top-K scored candidate posts per eligible seeker, with features and reasons.

    Writes seeker_id, post_id, score (calibrated probability that the placement works), rank,
    similarity, the pair features and reasons; the file feeds `matcher allocate --candidates`.
    """
    from matcher.io.atomic import write_table
    from matcher.programs.candidates import candidates_for_dir
    from matcher.ranking.persist import DEFAULT_MODEL_PATH, load_model

    if program is ProgramChoice.training:
        raise MatcherError(
            "candidates for training sessions are not produced here: the ranker predicts "
            "placements in posts, and sessions are scored by the training allocation "
            "(matcher.training.scoring.score_training); use --program "
            "welfare|grassroots|internship|public_service|vacancies"
        )
    ranker, card = load_model(model or DEFAULT_MODEL_PATH)
    name = "vacancy" if program is ProgramChoice.vacancies else program.value
    table, summary = candidates_for_dir(
        directory, name, k=k, model=ranker, importance=card.get("importance"), reasons=reasons
    )
    write_table(table, out)
    console.print(
        f"{summary.pairs:,} candidate pairs for {summary.seekers_with_candidates:,} of "
        f"{summary.eligible_seekers:,} eligible seekers ({summary.seekers:,} registered) over "
        f"{summary.posts:,} open {name} posts → {out}",
        highlight=False,
    )
    odd = {key: n for key, n in summary.title_scripts.items() if key in ("empty", "other")}
    console.print(
        f"desired titles: {dict(sorted(summary.title_scripts.items()))}; seekers without a "
        f"title: {summary.seekers_without_titles:,}; unknown skills: {summary.unknown_skills:,}"
        + (f"; unusable titles: {sum(odd.values()):,}" if odd else ""),
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
    app.command("titles")(titles)
    app.command("candidates")(candidates)
    app.add_typer(ranker_app, name="ranker")
