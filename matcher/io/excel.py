"""Output a person opens in Excel: CSV that Chinese Excel reads as UTF-8, and ``.xlsx``.

Excel (and WPS) read a CSV without a byte-order mark in the system code page (GBK on a Chinese
Windows), which turns UTF-8 Chinese into mojibake; with the UTF-8 BOM it reads UTF-8. Every CSV
written for a person therefore starts with the BOM (:data:`CSV_ENCODING`); pandas and Python's
``utf-8-sig`` read such files back unchanged, so the outputs still chain as inputs.

The convention for a workbook: an output path ending in ``.xlsx`` is written as one (see
:func:`matcher.io.atomic.write_table`). Text cells are made inert as in CSV
(:mod:`matcher.io.csvsafe`): a workbook cell holding ``=…`` would otherwise be a formula.
"""

from __future__ import annotations

import io
import os
from datetime import date
from typing import Any, BinaryIO
from urllib.parse import quote

import numpy as np
import pandas as pd

from matcher.errors import MatcherError
from matcher.io.csvsafe import neutralise_frame

#: Encoding of CSV written for people: UTF-8 with a byte-order mark.
CSV_ENCODING = "utf-8-sig"
BOM = b"\xef\xbb\xbf"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows a worksheet holds, the header included.
MAX_SHEET_ROWS = 1_048_576


def with_bom(data: bytes) -> bytes:
    """UTF-8 CSV bytes with the byte-order mark Excel needs (not added twice)."""
    return data if data.startswith(BOM) else BOM + data


def write_xlsx(frame: pd.DataFrame, target: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``frame`` as a one-sheet workbook: header row frozen, text cells inert, dates as
    dates, missing values as empty cells.

    Written row by row in openpyxl's write-only mode: memory stays near the frame's own, not
    a cell object per value (a run's 300,000 recommendations are millions of cells).

    Raises
    ------
    MatcherError
        The frame has more rows than a worksheet holds.
    """
    import openpyxl

    if len(frame) + 1 > MAX_SHEET_ROWS:
        raise MatcherError(
            f"{len(frame):,} rows do not fit in an Excel worksheet (at most "
            f"{MAX_SHEET_ROWS - 1:,}): write a .csv file instead"
        )
    safe = neutralise_frame(frame)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    sheet.freeze_panes = "A2"
    sheet.append([str(column) for column in safe.columns])
    columns = [_cell_values(safe[column]) for column in safe.columns]
    for row in zip(*columns, strict=True):
        sheet.append(list(row))
    book.save(target)


def _cell_values(values: pd.Series) -> list[Any]:
    """A column as values openpyxl stores: None where missing, dates (no time) for days,
    Python scalars for NumPy ones, text for what a workbook cannot hold."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values.dt.tz_localize(None) if values.dt.tz is not None else values
        days = bool((stamps.dropna() == stamps.dropna().dt.normalize()).all())
        out: list[Any] = [v.date() if days else v.to_pydatetime() for v in stamps]
    elif pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        out = values.astype(object).tolist()
        out = [v.item() if isinstance(v, np.generic) else v for v in out]
    else:
        out = [v if isinstance(v, (str, int, float, date)) else str(v) for v in values.tolist()]
    for row in np.flatnonzero(missing):
        out[row] = None
    return out


def csv_as_xlsx(data: bytes) -> bytes:
    """CSV bytes (as :func:`matcher.runs.export_run` gives them) as a workbook's bytes: number
    columns as numbers, id and code columns as text (an id such as 007 keeps its zeros)."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in frame.columns:
        if str(column).endswith(("_id", "_code")) or column in _TEXT_COLUMNS:
            continue
        filled = frame[column][frame[column] != ""]
        numbers = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numbers.notna().all():
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce")
    return xlsx_bytes(frame)


#: Columns that hold codes, never amounts, whatever their digits look like.
_TEXT_COLUMNS = frozenset({"city", "district", "id_number", "week"})


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as the bytes of a workbook (:func:`write_xlsx`)."""
    buffer = io.BytesIO()
    write_xlsx(frame, buffer)
    return buffer.getvalue()


def content_disposition(filename: str) -> str:
    """A ``Content-Disposition`` header value that makes a browser save ``filename``: an ASCII
    fallback for old clients and the exact (possibly Chinese) name as RFC 6266 ``filename*``."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


__all__ = [
    "BOM",
    "CSV_ENCODING",
    "MAX_SHEET_ROWS",
    "XLSX_MEDIA_TYPE",
    "content_disposition",
    "csv_as_xlsx",
    "with_bom",
    "write_xlsx",
    "xlsx_bytes",
]
