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
from typing import IO
from urllib.parse import quote

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


def write_xlsx(frame: pd.DataFrame, target: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write ``frame`` as a one-sheet workbook: header row frozen, text cells inert.

    Raises
    ------
    MatcherError
        The frame has more rows than a worksheet holds.
    """
    if len(frame) + 1 > MAX_SHEET_ROWS:
        raise MatcherError(
            f"{len(frame):,} rows do not fit in an Excel worksheet (at most "
            f"{MAX_SHEET_ROWS - 1:,}): write a .csv file instead"
        )
    safe = neutralise_frame(frame)
    # Timezone-aware datetimes cannot be stored in a workbook; such columns are written as text.
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe = safe.assign(**{str(column): safe[column].astype("string")})
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name="Sheet1", freeze_panes=(1, 0))


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
    "with_bom",
    "write_xlsx",
    "xlsx_bytes",
]
