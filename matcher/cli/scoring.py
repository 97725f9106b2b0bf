"""Scoring commands: ``titles`` (map titles to occupation codes), ``candidates`` (top-K scored
pairs) and the ``ranker`` sub-app (``train``, ``evaluate``). Thin: every command calls library
functions and prints; nothing here decides anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from matcher.errors import DataValidationError, Problem

console = Console(stderr=True)


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


def register(app: typer.Typer) -> None:
    """Add the scoring commands to the ``matcher`` app."""
    app.command("titles")(titles)
