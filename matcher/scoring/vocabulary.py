"""Map free-text job titles to the occupation vocabulary (CSCO 2022 codes by default).

Each vocabulary entry (an occupation's name and each of its recruitment-title aliases) is
normalised and indexed with TF-IDF character n-grams. A title is matched in two stages: the
sparse cosine product shortlists the closest entries, then ``rapidfuzz.fuzz.ratio`` (an edit
similarity, fast on Chinese) re-scores the shortlist. The score is the mean of the two, on a
0–100 scale. Titles whose best score is below ``min_score`` keep no code: an unknown title stays
free text rather than being forced onto the nearest occupation.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from matcher.errors import DataValidationError, Problem
from matcher.scoring.normalize import normalize_title, title_script
from matcher.scoring.topk import char_ngram_vectorizer, chunked_topk

VOCABULARY_COLUMNS = ("code", "name", "aliases")
OUTPUT_COLUMNS = ("title", "code", "name", "score")

# Entries re-scored per title after the TF-IDF shortlist.
_SHORTLIST = 20
DEFAULT_MIN_SCORE = 60.0


@dataclass
class MappingSummary:
    """Counts of what happened to the input titles, for the CLI and reports."""

    titles: int = 0
    mapped: int = 0
    unknown: int = 0
    by_script: Counter[str] = field(default_factory=Counter)
    truncated: int = 0


class Vocabulary:
    """An indexed occupation vocabulary.

    Parameters
    ----------
    frame : DataFrame
        Columns ``code``, ``name`` and ``aliases`` (``|``-separated, may be empty), optionally
        ``level``; other columns are ignored. Codes must be non-empty; a code repeated in an
        identical row is kept once and reported in ``warnings``, a code repeated with another
        name or aliases is an error naming both rows.
    source : str
        Name used in error messages (usually the file path).
    """

    def __init__(self, frame: pd.DataFrame, *, source: str = "vocabulary") -> None:
        problems = [
            Problem(source, None, column, None, "required column is missing")
            for column in VOCABULARY_COLUMNS
            if column not in frame.columns
        ]
        if problems:
            raise DataValidationError(problems)
        columns = [*VOCABULARY_COLUMNS, *(["level"] if "level" in frame.columns else [])]
        table = frame.loc[:, columns].astype("string").fillna("")
        table = table.apply(lambda column: column.str.strip())
        codes = table["code"]
        for position in np.flatnonzero((codes == "").to_numpy()):
            problems.append(Problem(source, int(position) + 2, "code", "", "code is required"))
        # The same code twice: identical rows are a harmless copy (kept once, with a warning);
        # different names or aliases under one code are a contradiction (an error).
        self.warnings: list[Problem] = []
        first_row: dict[str, int] = {}
        keep = np.ones(len(table), dtype=bool)
        records = table.to_numpy(dtype=object)
        for row_index, code in enumerate(codes.tolist()):
            if not code:
                continue
            if code not in first_row:
                first_row[code] = row_index
                continue
            keep[row_index] = False
            first = first_row[code]
            if list(records[first]) == list(records[row_index]):
                self.warnings.append(
                    Problem(
                        source,
                        row_index + 2,
                        "code",
                        code,
                        f"duplicate of row {first + 2} (identical): kept once",
                    )
                )
            else:
                problems.append(
                    Problem(
                        source,
                        row_index + 2,
                        "code",
                        code,
                        f"same code as row {first + 2} with a different name or aliases "
                        f"({records[first][1]!r} vs {records[row_index][1]!r})",
                    )
                )
        if problems:
            raise DataValidationError(problems)
        table = table[keep].reset_index(drop=True)
        codes = table["code"]
        #: The validated table (duplicates dropped): ``code``, ``name``, ``aliases`` (, ``level``).
        self.frame = pd.DataFrame({c: table[c].astype(str) for c in columns})
        self.source = source
        self.codes: list[str] = codes.tolist()
        self.names: list[str] = table["name"].str.strip().tolist()
        entry_code: list[int] = []
        entry_text: list[str] = []
        seen: set[tuple[int, str]] = set()
        for index, (name, aliases) in enumerate(
            zip(self.names, table["aliases"].tolist(), strict=True)
        ):
            for text in [name, *aliases.split("|")]:
                normalized = normalize_title(text)
                if normalized and (index, normalized) not in seen:
                    seen.add((index, normalized))
                    entry_code.append(index)
                    entry_text.append(normalized)
        self._entry_code = np.asarray(entry_code, dtype=np.int64)
        self._entry_text = entry_text
        self._vectorizer = char_ngram_vectorizer()
        self._matrix = (
            self._vectorizer.fit_transform(entry_text) if entry_text else None
        )  # None: nothing to match against

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> Vocabulary:
        """Read a vocabulary CSV (UTF-8, columns ``code``, ``name``, ``aliases``)."""
        from matcher.scoring.title_input import read_csv_utf8

        return cls(read_csv_utf8(path), source=str(path))

    @classmethod
    def occupations(cls, *, detailed_only: bool = True) -> Vocabulary:
        """The shipped CSCO 2022 vocabulary (``data/occupations.csv``).

        Parameters
        ----------
        detailed_only : bool
            Keep only detailed occupations (level 4), the level posts and seekers are coded at.
        """
        frame = _occupations_table()
        if detailed_only and "level" in frame.columns:
            frame = frame[frame["level"].astype(str) == "4"]
        return cls(frame.reset_index(drop=True), source="data/occupations.csv")

    def match(
        self, titles: list[str] | pd.Series, *, top: int = 1, min_score: float = DEFAULT_MIN_SCORE
    ) -> tuple[pd.DataFrame, MappingSummary]:
        """Map titles to codes.

        Parameters
        ----------
        titles : list of str
            Free-text titles; empty or non-string entries are allowed and stay unmapped.
        top : int
            Codes returned per title, best first.
        min_score : float
            Codes scoring below this (0–100) are not returned. A title with no code left gets
            one row with empty ``code`` and ``name`` and its best score.

        Returns
        -------
        mapping : DataFrame
            ``title`` (as given), ``code``, ``name``, ``score`` (0–100, one decimal) and
            ``rank`` (1 = best), in input order; every title has at least one row.
        summary : MappingSummary
        """
        if top < 1:
            raise ValueError(f"The 'top' parameter of match must be >= 1. Got {top!r} instead.")
        raw = list(titles)
        normalized = [normalize_title(t) for t in raw]
        summary = MappingSummary(titles=len(raw))
        for original, text in zip(raw, normalized, strict=True):
            summary.by_script[title_script(text)] += 1
            if isinstance(original, str) and len(original) > 4 * len(text) + 64:
                summary.truncated += 1
        unique = sorted({t for t in normalized if t})
        best = self._score_unique(unique, top)
        rows: list[tuple[int, str, str, str, float, int]] = []
        for position, (original, text) in enumerate(zip(raw, normalized, strict=True)):
            found = best.get(text, [])
            kept = [(code, score) for code, score in found if score >= min_score]
            title = original if isinstance(original, str) else ""
            if kept:
                summary.mapped += 1
                for rank, (code_index, score) in enumerate(kept, start=1):
                    rows.append(
                        (
                            position,
                            title,
                            self.codes[code_index],
                            self.names[code_index],
                            score,
                            rank,
                        )
                    )
            else:
                summary.unknown += 1
                rows.append((position, title, "", "", found[0][1] if found else 0.0, 1))
        frame = pd.DataFrame(rows, columns=["position", *OUTPUT_COLUMNS, "rank"])
        return frame.drop(columns="position"), summary

    def _score_unique(self, unique: list[str], top: int) -> dict[str, list[tuple[int, float]]]:
        """Best ``top`` (code index, score) per distinct normalised title, best first."""
        if not unique or self._matrix is None:
            return {}
        queries = self._vectorizer.transform(unique)
        shortlist = chunked_topk(queries, self._matrix, max(_SHORTLIST, top), score_cutoff=1e-6)
        result: dict[str, list[tuple[int, float]]] = {}
        per_title: dict[int, dict[int, float]] = {}
        for query, entry, cosine in zip(
            shortlist.query.tolist(),
            shortlist.target.tolist(),
            shortlist.score.tolist(),
            strict=True,
        ):
            edit = fuzz.ratio(unique[query], self._entry_text[entry])
            score = round(0.5 * edit + 50.0 * cosine, 1)
            code = int(self._entry_code[entry])
            codes = per_title.setdefault(query, {})
            if score > codes.get(code, -1.0):
                codes[code] = score
        for query, codes in per_title.items():
            # Best score first; the lower code index breaks ties so results are deterministic.
            ordered = sorted(codes.items(), key=lambda item: (-item[1], item[0]))[:top]
            result[unique[query]] = ordered
        return result


def _occupations_table() -> pd.DataFrame:
    """The occupation table: through ``matcher.reference.occupations`` when it exists."""
    from matcher import reference

    loader = getattr(reference, "occupations", None)
    if callable(loader):
        table = loader()
        if isinstance(table, pd.DataFrame):
            return table
    path = Path(reference.data_dir()) / "occupations.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
