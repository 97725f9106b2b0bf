"""Reading title files and telling a person which rows cannot be coded, and why.

Nothing here is fatal for a title: an unusable title keeps an empty code. A file that is not
UTF-8 is an error naming the first bad row.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from matcher.errors import DataValidationError, Problem

# Longer titles are pasted descriptions, not titles: they are coded on their first characters
# and reported.
MAX_INPUT_CHARS = 200
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile("[A-Za-z]")
_WORD = re.compile(r"[^\W\d_]", re.UNICODE)


def read_csv_utf8(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV that must be UTF-8; a decoding error names the row of the first bad byte."""
    try:
        data = Path(path).read_bytes()  # whole, to locate a bad byte by its row
    except OSError as error:
        raise DataValidationError(
            [Problem(str(path), None, None, None, f"cannot read file: {error}")]
        ) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise DataValidationError(
            [
                Problem(
                    str(path),
                    row,
                    None,
                    None,
                    f"not UTF-8 (byte {data[error.start]:#04x} at offset {error.start}); "
                    "save the file as UTF-8 (e.g. from GBK: iconv -f GBK -t UTF-8)",
                )
            ]
        ) from error
    try:
        # A blank line in a one-column file is an empty title, not nothing.
        return pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataValidationError(
            [Problem(str(path), None, None, None, f"cannot read CSV: {error}")]
        ) from error


def title_problem(title: object) -> str | None:
    """Why a raw title cannot be coded well, or ``None`` if it looks like a title."""
    if not isinstance(title, str) or not title.strip():
        return "empty title"
    if len(title) > MAX_INPUT_CHARS:
        return f"title longer than {MAX_INPUT_CHARS} characters ({len(title)}): coded on its start"
    if _CJK.search(title):
        return None
    if not _WORD.search(title):
        return "title has only punctuation, digits or symbols"
    if _LATIN.search(title) and not re.search(r"[A-Za-z]{2,}", title):
        return "title has no Chinese and no Latin word"
    return "title has no Chinese characters (Latin only): coded by its letters alone"


def title_problems(titles: Sequence[object], source: str) -> list[Problem]:
    """One problem per unusable title, naming its row (the header is row 1)."""
    problems: list[Problem] = []
    for position, title in enumerate(titles):
        rule = title_problem(title)
        if rule is not None:
            shown = title if isinstance(title, str) else ""
            problems.append(Problem(source, position + 2, "title", shown[:40], rule))
    return problems
